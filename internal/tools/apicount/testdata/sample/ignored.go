//go:build ignore

package sample

// Files excluded by build constraints do not count.
func Ignored() {}
