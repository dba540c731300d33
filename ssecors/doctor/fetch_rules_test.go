package doctor_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/ssecors/ssecors-go/ssecors/doctor"
)

func Test_whyPreflight(t *testing.T) {
	t.Parallel()
	h := http.Header{"Content-Type": {"application/json"}, "X-Tenant": {"acme"}}
	tests := []struct {
		name   string
		method string
		unsafe []string
		want   []string // substrings, one per reason, in order
	}{
		{"simple GET", "GET", nil, nil},
		{"simple POST", "POST", nil, nil},
		{"PATCH", "PATCH", nil, []string{"the method PATCH is not CORS-safelisted"}},
		{"headers", "POST", []string{"authorization", "content-type", "last-event-id", "x-tenant"}, []string{
			"Authorization is never a CORS-safelisted header",
			"Content-Type: application/json is not CORS-safelisted",
			"Last-Event-ID is not a CORS-safelisted header",
			"X-Tenant is not a CORS-safelisted header",
		}},
		{"lowercase method", "delete", []string{"accept"}, []string{"the method delete", "Accept: the value is not CORS-safelisted"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := doctor.WhyPreflight(tc.method, tc.unsafe, h)
			if len(got) != len(tc.want) {
				t.Fatalf("got %q, want %d reasons like %q", got, len(tc.want), tc.want)
			}
			for i := range got {
				if !strings.Contains(got[i], tc.want[i]) {
					t.Errorf("reason %d = %q, want %q in it", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func Test_readableHeaders(t *testing.T) {
	t.Parallel()
	base := func(expose ...string) http.Header {
		h := http.Header{
			"Content-Type":                {"text/event-stream"},
			"Cache-Control":               {"no-cache"},
			"X-Request-Id":                {"1"},
			"X-Ratelimit-Remaining":       {"9"},
			"Set-Cookie":                  {"a=b"},
			"Access-Control-Allow-Origin": {"*"},
		}
		if expose != nil {
			h["Access-Control-Expose-Headers"] = expose
		}
		return h
	}
	tests := []struct {
		name        string
		h           http.Header
		credentials bool
		readable    string
		hidden      string
	}{
		{"safelisted only", base(), false, "cache-control content-type", "set-cookie x-ratelimit-remaining x-request-id"},
		{"exposed", base("X-Request-Id"), false, "cache-control content-type x-request-id", "set-cookie x-ratelimit-remaining"},
		{"star", base("*"), false, "cache-control content-type x-ratelimit-remaining x-request-id", "set-cookie"},
		{"star with credentials", base("*"), true, "cache-control content-type", "set-cookie x-ratelimit-remaining x-request-id"},
		{"set-cookie never", base("Set-Cookie, x-request-id"), false, "cache-control content-type x-request-id", "set-cookie x-ratelimit-remaining"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, h := doctor.ReadableHeaders(tc.h, tc.credentials)
			if got := strings.Join(r, " "); got != tc.readable {
				t.Errorf("readable = %q, want %q", got, tc.readable)
			}
			if got := strings.Join(h, " "); got != tc.hidden {
				t.Errorf("hidden = %q, want %q", got, tc.hidden)
			}
		})
	}
}

func Test_lenientPreflight(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		acah   []string
		unsafe []string
		warn   bool
	}{
		{"star with authorization", []string{"*"}, []string{"authorization", "content-type"}, true},
		{"star and authorization named", []string{"*, Authorization"}, []string{"authorization"}, false},
		{"star without authorization", []string{"*"}, []string{"content-type"}, false},
		{"explicit", []string{"authorization", "content-type"}, []string{"authorization", "content-type"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := doctor.LenientPreflight(http.Header{"Access-Control-Allow-Headers": tc.acah}, tc.unsafe)
			if (got != "") != tc.warn {
				t.Errorf("got %q, want a warning: %t", got, tc.warn)
			}
			if tc.warn && !strings.Contains(got, "a browser that follows it refuses this preflight") {
				t.Errorf("got %q, want it to name the other browsers", got)
			}
		})
	}
}

func Test_maxAgeLine(t *testing.T) {
	t.Parallel()
	tests := []struct{ raw, want string }{
		{"", "for 5 s"},
		{"600", "for 600 s (Access-Control-Max-Age; Chromium caps it at 2 h"},
		{"0", "does not cache"},
		{"soon", `"soon" is not a number`},
	}
	for _, tc := range tests {
		h := http.Header{}
		if tc.raw != "" {
			h.Set("Access-Control-Max-Age", tc.raw)
		}
		if got := doctor.MaxAgeLine(h); !strings.Contains(got, tc.want) {
			t.Errorf("Max-Age %q: got %q, want %q in it", tc.raw, got, tc.want)
		}
	}
}

func Test_fetchSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		f     doctor.Fetch
		want  []string
		never []string
	}{
		{
			name: "bearer token",
			f:    doctor.Fetch{Header: http.Header{"Authorization": {"Bearer abc123xyz"}, "Content-Type": {"application/json"}}},
			want: []string{"Bearer abc123xyz", "abc123xyz"}, never: []string{"application/json"},
		},
		{
			name: "named headers",
			f:    doctor.Fetch{Header: http.Header{"X-Api-Key": {"k-12345"}, "X-Session-Id": {"s-67890"}, "X-Tenant": {"acme-corp"}}},
			want: []string{"k-12345", "s-67890"}, never: []string{"acme-corp"},
		},
		{
			name: "JSON body",
			f:    doctor.Fetch{Body: []byte(`{"model":"gpt-x","auth":{"token":"t-24680"},"keys":["k-13579"],"pin":123456,"password":1234567}`)},
			want: []string{"t-24680", "k-13579", "1234567"}, never: []string{"gpt-x", "123456"},
		},
		{
			name: "form body",
			f:    doctor.Fetch{Body: []byte(`user=ann&password=hunter22`)},
			want: []string{"hunter22", "user=ann&password=hunter22"}, never: []string{"ann"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := doctor.FetchSecrets(&tc.f)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("secrets %q lack %q", got, w)
				}
			}
			for _, n := range tc.never {
				if slices.Contains(got, n) {
					t.Errorf("secrets %q hold %q, which is no secret", got, n)
				}
			}
		})
	}
}

func TestHeaderSecrets(t *testing.T) {
	t.Parallel()
	got := doctor.HeaderSecrets(http.Header{"Authorization": {"Bearer abc123xyz"}, "Accept-Language": {"en-US"}})
	if !slices.Contains(got, "abc123xyz") || !slices.Contains(got, "Bearer abc123xyz") || slices.Contains(got, "en-US") {
		t.Errorf("got %q", got)
	}
}

func TestReport_Redact(t *testing.T) {
	t.Parallel()
	r := &doctor.Report{
		URL:     "https://api.example.test/s",
		Summary: "refused: Bearer abc123xyz",
		Fix:     "abc",
		Steps: []doctor.Step{{Title: "t abc123xyz", Fix: "f abc123xyz",
			Details: []string{`body: "{\"k\": \"a\tb\"} abc123xyz"`}}},
		Events: []doctor.ReportEvent{{Data: "abc123xyz", LastEventID: "abc123xyz"}},
	}
	r.Redact("abc123xyz", "Bearer abc123xyz", "{\"k\": \"a\tb\"}", "abc", "")
	want := &doctor.Report{
		URL:     "https://api.example.test/s",
		Summary: "refused: REDACTED",
		Fix:     "abc", // shorter than 4 bytes: kept
		Steps: []doctor.Step{{Title: "t REDACTED", Fix: "f REDACTED",
			Details: []string{`body: "REDACTED REDACTED"`}}},
		Events: []doctor.ReportEvent{{Data: "REDACTED", LastEventID: "REDACTED"}},
	}
	if got, w := fmt.Sprintf("%+v", r), fmt.Sprintf("%+v", want); got != w {
		t.Errorf("got  %s\nwant %s", got, w)
	}
}
