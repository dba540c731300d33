// Package sample is the apicount test fixture: every exported identifier that
// counts is marked "+N" with how many it adds: 33 in all, with more.go.
package sample

import (
	"fmt"
	"io"
)

// Consts: A, C and Exported count; b and d do not.
const (
	A = iota // +1
	b
	C // +1
	d
)

// Exported is a single const. +1
const Exported = "x"

// Vars: V1 and V3 count. +2
var V1, v2, V3 = 1, 2, 3

var _ = fmt.Sprint

// Func counts; helper does not. +1
func Func() {}

func helper() {}

// Struct counts with its exported fields, embedded ones included. +1
type Struct struct {
	Name, Value string // +2
	hidden      int
	io.Reader            // +1: embedded, field name Reader
	*Embedded            // +1
	unexported           // embedded unexported type: no
	Nested      struct { // +1
		Inner int // +1: Struct.Nested.Inner
		inner int
	}
}

// Embedded is embedded in Struct. +1 type, +1 field (X)
type Embedded struct{ X int }

// Method on an exported type, pointer receiver. +1
func (e *Embedded) Method() {}

func (e *Embedded) private() {}

type unexported struct {
	Field int // field of an unexported type: no
}

// Promoted is exported but its receiver type is not: no.
func (unexported) Promoted() {}

// Iface counts with its methods and embedded interfaces. +1
type Iface interface {
	Read(p []byte) (int, error) // +1
	Close() error               // +1
	fmt.Stringer                // +1: embedded exported interface
	private()
}

// Constraint is a type-set interface: only Len counts. +1 type, +1 method
type Constraint interface {
	~int | ~string
	Len() int
}

// Generic with methods on instantiated receivers. +1 type, +1 field
type Generic[K comparable, V any] struct {
	Items map[K]V
}

// Get on Generic[K, V]. +1
func (g *Generic[K, V]) Get(k K) V { return g.Items[k] }

// List is a single-parameter generic type. +1
type List[T any] []T

// Len on List[T]. +1
func (l List[T]) Len() int { return len(l) }

// Alias counts as a type; io.Writer's methods are not ours. +1
type Alias = io.Writer

// Grouped type declarations: Mode and Kind2. +2
type (
	Mode  int
	Kind2 string
	mode3 int
)

// String on Mode. +1
func (m Mode) String() string { return "" }
