// Command apicount counts the exported API of one Go package directory, so CI
// can hold the core package to a size budget.
//
//	go run ./internal/tools/apicount [-v] [-max N] [dir]
//
// dir defaults to ./ssecors. It counts, in the non-test files that the
// current build context selects (no subdirectories):
//
//   - exported package-level types, funcs, consts and vars;
//   - exported methods whose receiver is an exported type;
//   - exported fields of exported struct types, embedded ones included, and
//     the exported fields of anonymous structs nested in them;
//   - exported methods and embedded exported interfaces of exported interface
//     types.
//
// It prints the total, or with -v one "kind name" line per identifier, sorted
// by name, then the total. With -max N it exits 1 when the total exceeds N.
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"sort"
)

// An ident is one exported identifier: its kind ("type", "func", "const",
// "var", "method", "field", or "embed" for an interface embedded in an
// interface) and its name, qualified by its type for methods
// and fields ("EventSource.Run", "Event.Data").
type ident struct {
	Kind, Name string
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main with its arguments and outputs as parameters; it returns the
// exit code.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("apicount", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("v", false, "list every exported identifier, sorted, before the total")
	max := fs.Int("max", -1, "exit 1 when the total exceeds this (negative: no limit)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: apicount [-v] [-max N] [dir]   (dir defaults to ./ssecors)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return 2
	}
	dir := "./ssecors"
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}

	ids, err := count(dir)
	if err != nil {
		fmt.Fprintln(stderr, "apicount:", err)
		return 2
	}
	if *verbose {
		for _, id := range ids {
			fmt.Fprintf(stdout, "%-6s %s\n", id.Kind, id.Name)
		}
		fmt.Fprintf(stdout, "total %d\n", len(ids))
	} else {
		fmt.Fprintln(stdout, len(ids))
	}
	if *max >= 0 && len(ids) > *max {
		fmt.Fprintf(stderr, "apicount: %s has %d exported identifiers, more than -max %d\n", dir, len(ids), *max)
		return 1
	}
	return 0
}

// count returns the exported identifiers of the package in dir, sorted by
// name then kind.
func count(dir string) ([]ident, error) {
	pkg, err := build.Default.ImportDir(dir, 0)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range append(append([]string{}, pkg.GoFiles...), pkg.CgoFiles...) {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}

	seen := map[ident]bool{}
	var ids []ident
	add := func(kind, name string) {
		id := ident{kind, name}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, f := range files {
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv == nil {
					add("func", d.Name.Name)
				} else if recv := recvTypeName(d.Recv); ast.IsExported(recv) {
					add("method", recv+"."+d.Name.Name)
				}
			case *ast.GenDecl:
				genDecl(d, add)
			}
		}
	}
	sort.Slice(ids, func(i, j int) bool {
		if ids[i].Name != ids[j].Name {
			return ids[i].Name < ids[j].Name
		}
		return ids[i].Kind < ids[j].Kind
	})
	return ids, nil
}

// genDecl adds the exported types, with their members, and the exported
// consts and vars that d declares.
func genDecl(d *ast.GenDecl, add func(kind, name string)) {
	for _, spec := range d.Specs {
		switch s := spec.(type) {
		case *ast.TypeSpec:
			if !s.Name.IsExported() {
				continue
			}
			add("type", s.Name.Name)
			members(s.Name.Name, s.Type, add)
		case *ast.ValueSpec:
			kind := "var"
			if d.Tok == token.CONST {
				kind = "const"
			}
			for _, n := range s.Names {
				if n.IsExported() {
					add(kind, n.Name)
				}
			}
		}
	}
}

// members adds the exported fields of a struct type, or the exported methods
// and embedded interfaces of an interface type, qualified by prefix. Fields of
// anonymous structs nested in an exported field are reachable API too, so they
// count as "prefix.Field.Sub".
func members(prefix string, typ ast.Expr, add func(kind, name string)) {
	switch t := typ.(type) {
	case *ast.ParenExpr:
		members(prefix, t.X, add)
	case *ast.StructType:
		for _, field := range t.Fields.List {
			names := field.Names
			if len(names) == 0 { // embedded: the field's name is its type's name
				names = []*ast.Ident{{Name: embeddedName(field.Type)}}
			}
			for _, n := range names {
				if !ast.IsExported(n.Name) {
					continue
				}
				add("field", prefix+"."+n.Name)
				if st, ok := field.Type.(*ast.StructType); ok {
					members(prefix+"."+n.Name, st, add)
				}
			}
		}
	case *ast.InterfaceType:
		for _, m := range t.Methods.List {
			if len(m.Names) == 0 { // embedded interface or type-set term
				if name := embeddedName(m.Type); ast.IsExported(name) {
					add("embed", prefix+"."+name)
				}
				continue
			}
			for _, n := range m.Names {
				if n.IsExported() {
					add("method", prefix+"."+n.Name)
				}
			}
		}
	}
}

// embeddedName is the field name of an embedded type: T, *T, pkg.T, T[P]. It
// is "" for anything else (such as a type-set union in a constraint).
func embeddedName(typ ast.Expr) string {
	switch t := typ.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.StarExpr:
		return embeddedName(t.X)
	case *ast.SelectorExpr:
		return t.Sel.Name
	case *ast.IndexExpr:
		return embeddedName(t.X)
	case *ast.IndexListExpr:
		return embeddedName(t.X)
	case *ast.ParenExpr:
		return embeddedName(t.X)
	}
	return ""
}

// recvTypeName is the base type name of a method receiver: T for T, *T,
// T[K] or *T[K, V].
func recvTypeName(recv *ast.FieldList) string {
	if recv == nil || len(recv.List) == 0 {
		return ""
	}
	return embeddedName(recv.List[0].Type)
}
