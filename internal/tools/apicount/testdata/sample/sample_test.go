package sample

// Test files do not count.
func TestOnly() {}

type TestType struct{ Field int }
