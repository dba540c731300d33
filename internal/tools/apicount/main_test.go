package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// sampleWant is every exported identifier of testdata/sample, as -v lists
// them. The fixture's comments say why each counts; what is absent (test
// files, a //go:build ignore file, unexported receivers and fields, methods of
// an aliased type) must stay absent.
var sampleWant = []string{
	"const  A",
	"type   Alias",
	"var    Block",
	"const  C",
	"type   Constraint",
	"method Constraint.Len",
	"type   Embedded",
	"method Embedded.Method",
	"field  Embedded.X",
	"const  Exported",
	"func   FromSecondFile",
	"func   Func",
	"type   Generic",
	"method Generic.Get",
	"field  Generic.Items",
	"type   Iface",
	"method Iface.Close",
	"method Iface.Read",
	"embed  Iface.Stringer",
	"type   Kind2",
	"type   List",
	"method List.Len",
	"type   Mode",
	"method Mode.String",
	"type   Struct",
	"field  Struct.Embedded",
	"field  Struct.Name",
	"field  Struct.Nested",
	"field  Struct.Nested.Inner",
	"field  Struct.Reader",
	"field  Struct.Value",
	"var    V1",
	"var    V3",
}

const sampleDir = "testdata/sample"

func Test_count(t *testing.T) {
	t.Parallel()
	ids, err := count(sampleDir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, id := range ids {
		got = append(got, fmt.Sprintf("%-6s %s", id.Kind, id.Name))
	}
	if g, w := strings.Join(got, "\n"), strings.Join(sampleWant, "\n"); g != w {
		t.Errorf("got\n%s\nwant\n%s", g, w)
	}
	if len(ids) != 33 {
		t.Errorf("got %d identifiers, want 33", len(ids))
	}
}

func Test_run(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"total only", []string{sampleDir}, 0, "33\n", ""},
		{"at the limit", []string{"-max", "33", sampleDir}, 0, "33\n", ""},
		{"over the limit", []string{"-max", "32", sampleDir}, 1, "33\n", "apicount: testdata/sample has 33 exported identifiers, more than -max 32\n"},
		{"verbose", []string{"-v", sampleDir}, 0, strings.Join(sampleWant, "\n") + "\ntotal 33\n", ""},
		{"missing dir", []string{"testdata/nope"}, 2, "", "apicount: "},
		{"two dirs", []string{sampleDir, sampleDir}, 2, "", "usage: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(tc.args, &stdout, &stderr)
			if code != tc.wantCode {
				t.Errorf("exit code: got %d, want %d (stderr %q)", code, tc.wantCode, stderr.String())
			}
			if got := stdout.String(); got != tc.wantStdout {
				t.Errorf("stdout: got %q, want %q", got, tc.wantStdout)
			}
			if got := stderr.String(); !strings.HasPrefix(got, tc.wantStderr) || (tc.wantStderr == "" && got != "") {
				t.Errorf("stderr: got %q, want prefix %q", got, tc.wantStderr)
			}
		})
	}
}
