package harness

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ssecors/ssecors-go/bench/conform"
	"github.com/ssecors/ssecors-go/bench/internal/driver"
	"github.com/ssecors/ssecors-go/bench/libs"
)

// conformTimeout bounds each case of each library (a parser stuck on a case
// is reported as such).
const conformTimeout = 10 * time.Second

// runConform runs the spec conformance cases through every parser that
// hands back its events, one driver process per library.
func (r *Runner) runConform(cfg Config, res *Results) error {
	for _, p := range libs.Parsers() {
		if p.Events == nil || !cfg.measures(p.Name) {
			continue
		}
		r.logf("conformance: %s", p.Name)
		args := []string{"conform", "-lib", p.Name, "-timeout", conformTimeout.String()}
		err := r.child(5*time.Minute, args, func(d *json.Decoder) error {
			var cr driver.ConformResult
			if err := d.Decode(&cr); err != nil {
				return err
			}
			res.Conform = append(res.Conform, cr)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func writeConform(p printer, res *Results) {
	if len(res.Conform) == 0 {
		return
	}
	byLib := map[string]map[string]driver.ConformResult{}
	var names []string
	for _, cr := range res.Conform {
		if byLib[cr.Lib] == nil {
			byLib[cr.Lib] = map[string]driver.ConformResult{}
			names = append(names, cr.Lib)
		}
		byLib[cr.Lib][cr.Case] = cr
	}
	cases := conform.Cases()
	p("## 6. Spec conformance of the parsers\n\n")
	p("Each parser of section 1, through the same public API, reads %d short streams (`bench/conform`), each checking\n", len(cases))
	p("one rule of WHATWG HTML \"Parsing an event stream\" and \"Interpreting an event stream\"; its events are compared\n")
	p("with what the spec dispatches: type, data, and last event ID (the spec's `lastEventId`, which every event carries\n")
	p("from the last `id` field seen; an API that hands back only the event's own `id` field differs where an event has\n")
	p("none). An empty type counts as `message`, and the SDK decoders' final LF is removed, as in section 1. openai-go\n")
	p("and anthropic-sdk-go hand back no event ID, so their IDs are not judged (`n/a` below). Each case runs in the\n")
	p("library's driver process with a %s limit.\n", conformTimeout)
	p("The input is read in one piece unless the case says otherwise.\n\n")
	p("| case | rule |")
	for _, n := range names {
		p(" %s |", n)
	}
	p("\n|---|---|%s\n", strings.Repeat("---|", len(names)))
	for _, c := range cases {
		p("| `%s` | %s |", c.Name, c.Rule)
		for _, n := range names {
			cr, ok := byLib[n][c.Name]
			switch {
			case !ok:
				p(" – |")
			case cr.Pass:
				p(" ✓ |")
			default:
				p(" ✗ |")
			}
		}
		p("\n")
	}
	p("| **passed** | |")
	for _, n := range names {
		pass := 0
		for _, cr := range byLib[n] {
			if cr.Pass {
				pass++
			}
		}
		p(" **%d/%d** |", pass, len(byLib[n]))
	}
	p("\n\nWhat each library did where it departs from the spec:\n\n")
	for _, n := range names {
		var lines []string
		for _, c := range cases {
			cr, ok := byLib[n][c.Name]
			if !ok {
				continue
			}
			switch {
			case !cr.Pass:
				lines = append(lines, fmt.Sprintf("  - `%s`: %s", c.Name, cr.Diff))
			case cr.Note != "":
				lines = append(lines, fmt.Sprintf("  - `%s` (passed): %s", c.Name, cr.Note))
			}
		}
		noID := ""
		if cr, ok := byLib[n][cases[0].Name]; ok && cr.NoID {
			noID = " (event IDs n/a)"
		}
		if len(lines) == 0 {
			p("- **%s**%s: none\n", n, noID)
			continue
		}
		p("- **%s**%s:\n%s\n", n, noID, strings.Join(lines, "\n"))
	}
	p("\n")
}
