package conform_test

import (
	"strings"
	"testing"

	"github.com/ssecors/ssecors-go/bench/conform"
)

func TestCompare(t *testing.T) {
	t.Parallel()
	want := []conform.Event{{Type: "message", Data: "a", ID: "1"}}
	tests := []struct {
		name string
		got  []conform.Event
		noID bool
		diff bool
	}{
		{name: "same", got: []conform.Event{{Type: "message", Data: "a", ID: "1"}}},
		{name: "empty type is message", got: []conform.Event{{Data: "a", ID: "1"}}},
		{name: "other data", got: []conform.Event{{Data: "b", ID: "1"}}, diff: true},
		{name: "other id", got: []conform.Event{{Data: "a", ID: "2"}}, diff: true},
		{name: "id not judged", got: []conform.Event{{Data: "a"}}, noID: true},
		{name: "extra event", got: []conform.Event{{Data: "a", ID: "1"}, {Data: ""}}, diff: true},
		{name: "no event", diff: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := conform.Compare(want, tt.got, tt.noID)
			if (d != "") != tt.diff {
				t.Errorf("Compare = %q, want a difference: %v", d, tt.diff)
			}
		})
	}
}

func TestCases(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, c := range conform.Cases() {
		if c.Name == "" || c.Rule == "" || seen[c.Name] {
			t.Errorf("case %q: empty or repeated name, or no rule", c.Name)
		}
		seen[c.Name] = true
	}
	if d := conform.Describe([]conform.Event{{Type: "message", Data: strings.Repeat("x", 100)}}); !strings.Contains(d, "100 bytes") {
		t.Errorf("Describe does not shorten long data: %s", d)
	}
}
