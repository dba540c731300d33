package secrets

import (
	"slices"
	"strings"
	"testing"
)

func isSecret(n string) bool {
	n = strings.ToLower(n)
	return strings.Contains(n, "key") || strings.Contains(n, "token") || strings.Contains(n, "password")
}

func TestBodyValues(t *testing.T) {
	for _, tc := range []struct {
		body string
		want []string
	}{
		{`{"api_key":"sk-1","model":"m","max_tokens":1024}`, []string{"sk-1"}},
		{`{"password":1234567,"pin_token":12}`, []string{"1234567"}},
		{`{"auth":{"password":"hunter2","user":"u"},"keys":["a1","b2"]}`, []string{"a1", "b2", "hunter2"}},
		{`{"tokens":{"x":"deep"}}`, []string{"deep"}},
		{`api_key=sk-2&q=hello`, []string{"sk-2"}},
		{`not json; not=a form%zz`, nil},
		{``, nil},
	} {
		got := BodyValues([]byte(tc.body), isSecret)
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.body, got, tc.want)
		}
	}
	if got := BodyValues([]byte(`{"key":"`+strings.Repeat("x", maxBody)+`"}`), isSecret); got != nil {
		t.Errorf("a body over the bound was parsed")
	}
}
