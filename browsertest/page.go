package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// pageDriver is what runInPage needs of an engine: a page to navigate and
// to run script in. Each engine implements it over its own protocol (CDP,
// WebDriver BiDi, classic WebDriver).
type pageDriver interface {
	// navigate loads url in the case's page and waits for the load.
	navigate(ctx context.Context, url string) error
	// evalString evaluates a JavaScript expression in the page, awaits it
	// (it is a promise), and returns its value, a string.
	evalString(ctx context.Context, expr string) (string, error)
}

// awaitJSON wraps a page expression so that its awaited value comes back as
// JSON text, which every driver returns as a plain string.
func awaitJSON(expr string) string {
	return "Promise.resolve(" + expr + ").then((v) => JSON.stringify(v === undefined ? null : v))"
}

// evalInto evaluates expr in the page and decodes its value into out.
func evalInto(ctx context.Context, d pageDriver, expr string, out any) error {
	text, err := d.evalString(ctx, awaitJSON(expr))
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(text), out); err != nil {
		return fmt.Errorf("decoding the value of %.40q: %w", expr, err)
	}
	return nil
}

// runInPage is the part of a case that is the same in every engine: prime
// the cookies by visiting each login page, load the page, open the stream
// (new EventSource, or the page's fetch() client for a fetch case), wait
// until it is CLOSED or the case's time is up, and record what the page
// saw. The engine reads its cookie store afterwards, unless out.Harness is
// set.
func runInPage(ctx context.Context, d pageDriver, c *Case, run, port string) (out Outcome) {
	for _, o := range primeOrigins(c) {
		if err := d.navigate(ctx, expandURL(o+"{run}/login", run, port)); err != nil {
			out.Harness = fmt.Errorf("priming cookies at %s: %w", o, err)
			return out
		}
	}
	page := expandURL(c.page()+"{run}/page", run, port)
	if err := d.navigate(ctx, page); err != nil {
		out.Harness = fmt.Errorf("loading the page %s: %w", page, err)
		return out
	}
	var loc string
	if err := evalInto(ctx, d, "location.href", &loc); err != nil || loc != page {
		out.Harness = fmt.Errorf("the page is at %q, not %q (err %v)", loc, page, err)
		return out
	}
	start, args := "__start", []any{expandURL(c.URL, run, port), c.Cred, append([]string{}, c.Types...)}
	if c.Fetch != nil {
		start, args = "__fetchStart", []any{expandURL(c.URL, run, port), c.Fetch.jsInit()}
	}
	argsJSON, _ := json.Marshal(args)
	if err := evalInto(ctx, d, start+"(..."+string(argsJSON)+")", &out.Threw); err != nil {
		out.Harness = fmt.Errorf("%s: %w", start, err)
		return out
	}
	if out.Threw == "" {
		var closed bool
		if err := evalInto(ctx, d, fmt.Sprintf("__wait(%d)", c.wait().Milliseconds()), &closed); err != nil {
			out.Harness = fmt.Errorf("__wait: %w", err)
			return out
		}
	}
	var fin jsFinish
	if err := evalInto(ctx, d, "__finish()", &fin); err != nil {
		out.Harness = fmt.Errorf("__finish: %w", err)
		return out
	}
	out.State = fin.RS
	out.URL = unexpandURL(fin.URL, run, port)
	if out.Threw != "" {
		out.State = -1
		out.Detail = out.Threw
	}
	for _, e := range fin.Ev {
		out.Events = append(out.Events, EventRec{Kind: e.K, Type: e.Type, Data: e.Data, ID: e.ID, Origin: e.Origin, RS: e.RS})
	}
	if c.Fetch != nil {
		out.Fetches = fin.Fx
	}
	return out
}

// jsEvent is an event as the page recorded it.
type jsEvent struct {
	K      string `json:"k"`
	Type   string `json:"type"`
	Data   string `json:"data"`
	ID     string `json:"id"`
	Origin string `json:"origin"`
	RS     int    `json:"rs"`
}

// jsFinish is what the page's __finish returns.
type jsFinish struct {
	RS  int       `json:"rs"`
	URL string    `json:"url"`
	Ev  []jsEvent `json:"ev"`
	Fx  []string  `json:"fx"`
}

// primeOrigins returns the origins whose login page sets the case's
// cookies, in first-seen order.
func primeOrigins(c *Case) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range c.Cookies {
		if !seen[p.Origin] {
			seen[p.Origin] = true
			out = append(out, p.Origin)
		}
	}
	return out
}

// jarEntry renders a stored cookie the same way for both sides.
func jarEntry(name, value, domain string, partitioned bool) string {
	s := name + "=" + value + "@" + strings.ToLower(domain)
	if partitioned {
		s += " (partitioned)"
	}
	return s
}
