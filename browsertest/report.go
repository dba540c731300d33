package browsertest

import (
	"fmt"
	"strings"
	"time"

	"github.com/ssecors/ssecors-go/ssecors/browser"
)

// RegenerateCommand is the command that rewrites an engine's section of
// PARITY.md.
func RegenerateCommand(engine string) string {
	return "cd browsertest && go test -count=1 -timeout 30m -run 'TestParity$' ./... -engine " + engine + " -update"
}

// sectionMarkers are the comment lines around an engine's generated
// section of PARITY.md.
func sectionMarkers(engine string) (begin, end string) {
	return "<!-- BEGIN GENERATED " + engine + ": " + RegenerateCommand(engine) + " -->",
		"<!-- END GENERATED " + engine + " -->"
}

// UpdateReport replaces, in the report text, the generated section of each
// engine s ran with a new one (appending it when the text has none), and
// keeps the rest of the text, which is written by hand.
func UpdateReport(text string, s *Suite) string {
	var kinds []EngineKind
	byKind := map[string][]*ConfigResult{}
	for _, res := range s.Results {
		n := res.Config.Kind.Name
		if byKind[n] == nil {
			kinds = append(kinds, res.Config.Kind)
		}
		byKind[n] = append(byKind[n], res)
	}
	for _, k := range kinds {
		begin, end := sectionMarkers(k.Name)
		section := begin + "\n" + EngineSection(k, byKind[k.Name]) + end + "\n"
		i := strings.Index(text, "<!-- BEGIN GENERATED "+k.Name+":")
		j := strings.Index(text, end)
		if i < 0 || j < i {
			text = strings.TrimRight(text, "\n") + "\n\n" + section
			continue
		}
		text = text[:i] + section + strings.TrimPrefix(text[j+len(end):], "\n")
	}
	return text
}

// EngineSection renders the report of one engine's configurations.
func EngineSection(k EngineKind, results []*ConfigResult) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	main := results[0]
	name := k.Title

	p("## %s\n\n", name)
	p("Generated: `%s`.\n\n", RegenerateCommand(k.Name))
	p("- Browser: **%s**, driven through %s\n", main.Version, k.Driver)
	p("- Cases in each engine's main configurations: **%d**; the cookie configurations run the %d cases that depend on the third-party cookie setting\n\n", len(main.Runs), countCookieCases(main.Runs))
	p("| configuration | engine setting | ssecors profile | runs | agree | intentional | **different** | harness errors | time |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, res := range results {
		agree, intentional, different, harness := res.Counts()
		p("| `%s` | %s | %s | %d | %d | %d | **%d** | %d | %s |\n", res.Config.Name, cell(res.Config.Describe), profileCell(res.Config.Profile),
			len(res.Runs), agree, intentional, len(different), len(harness), res.Elapsed.Round(time.Second))
	}
	p("\n")

	p("### %s: cases\n\n", name)
	p("The outcome column is `%s`'s; each configuration's column gives its verdict (`–`: not run there). Events: `open`, `msg \"data\"` (with `id=`, type and origin when not the defaults), `err→C` (error, readyState CONNECTING), `err→X` (error, readyState CLOSED). `req` lists the requests as the server saw them; for fetch cases, `fetch:` lists each fetch's result.\n\n", main.Config.Name)
	p("| # | group | case | %s (`%s`) |", name, main.Config.Name)
	for _, res := range results {
		p(" `%s` |", res.Config.Name)
	}
	p("\n|---|---|---|---|%s\n", strings.Repeat("---|", len(results)))
	verdicts := make([]map[*Case]*Run, len(results))
	for i, res := range results {
		verdicts[i] = map[*Case]*Run{}
		for _, r := range res.Runs {
			verdicts[i][r.Case] = r
		}
	}
	for i, r := range main.Runs {
		caseName := cell(r.Name())
		if r.Case.Why != "" {
			caseName += "<br><small>" + cell(r.Case.Why) + "</small>"
		}
		p("| %d | %s | %s | %s |", i+1, r.Case.Group, caseName, summarize(r.Case, r.Browser))
		for j := range results {
			p(" %s |", verdictCell(verdicts[j][r.Case]))
		}
		p("\n")
	}
	p("\n")

	p("### %s: differences\n\n", name)
	p("Every run that does not agree exactly, per configuration: the fields that differ (%s's value first), and the intentional difference that covers them if one does.\n\n", name)
	for _, res := range results {
		p("#### `%s`\n\n", res.Config.Name)
		n := 0
		for _, r := range res.Runs {
			if r.Verdict.Agree() && r.Browser.Harness == nil && r.SDK.Harness == nil {
				continue
			}
			n++
			p("- **%s** — %s\n", mdEscape(r.Name()), verdictText(r))
			for _, w := range r.Verdict.Why {
				p("  - %s\n", mdEscape(w))
			}
			for _, h := range []error{r.Browser.Harness, r.SDK.Harness} {
				if h != nil {
					p("  - harness: %s\n", mdEscape(h.Error()))
				}
			}
			if r.SDK.Detail != "" {
				p("  - ssecors' error: `%s`\n", strings.ReplaceAll(mdEscape(r.SDK.Detail), "`", "'"))
			}
		}
		if n == 0 {
			p("None.\n")
		}
		p("\n")
	}

	p("### %s: intentional differences\n\n", name)
	p("| id | %s | ssecors | why | fields allowed to differ | cases (configurations) |\n|---|---|---|---|---|---|\n", name)
	engine := main.Config.Profile.Engine
	for _, d := range Intentionals {
		text, ok := d.Browser[engine]
		if !ok {
			continue
		}
		var shown []string
		for _, c := range d.Cases {
			var cfgs []string
			for _, res := range results {
				for _, r := range res.Runs {
					if r.Case.Name == c && r.Verdict.Intentional == d.ID {
						cfgs = append(cfgs, res.Config.Name)
					}
				}
			}
			if len(cfgs) > 0 {
				shown = append(shown, cell(c)+" ("+strings.Join(cfgs, ", ")+")")
			}
		}
		scope := ""
		if len(d.Policies) > 0 {
			var ps []string
			for _, pol := range d.Policies {
				ps = append(ps, pol.String())
			}
			scope = "<br><small>third-party cookies: " + strings.Join(ps, ", ") + "</small>"
		}
		p("| %s%s | %s | %s | %s | %s | %s |\n", d.ID, scope, cell(text), cell(d.SSECORS), cell(d.Reason), strings.Join(d.Fields, ", "), strings.Join(shown, "; "))
	}
	p("\n")

	p("### %s: settings\n\n", name)
	for _, res := range results {
		p("`%s`:\n\n```\n%s\n```\n\n", res.Config.Name, strings.Join(res.Settings, "\n"))
	}
	if k.Name == ChromiumKind.Name {
		writeFetchSection(&b, main)
		p("### Chromium: not compared\n\n")
		p("Request headers outside the EventSource rules are recorded but not compared. `Referer`, as the server saw it in `%s` (`-` for none):\n\n", main.Config.Name)
		p("| same-origin request? | Chromium | ssecors |\n|---|---|---|\n")
		for _, same := range []bool{true, false} {
			p("| %v | %s | %s |\n", same, refererSummary(main.Runs, same, true), refererSummary(main.Runs, same, false))
		}
		p("\nA page's EventSource sends the page URL as `Referer` under the default `strict-origin-when-cross-origin` policy (the origin only, cross-origin); ssecors sends none, like other Go clients. A server that checks `Referer` (some CSRF defences do) sees the difference.\n\n")
	}
	return b.String()
}

// countCookieCases counts the runs of cases that depend on the third-party
// cookie setting.
func countCookieCases(runs []*Run) int {
	n := 0
	for _, r := range runs {
		if r.Case.Policies {
			n++
		}
	}
	return n
}

// profileCell names a profile and its rules for the report.
func profileCell(p browser.Profile) string {
	return fmt.Sprintf("%s<br><small>%s, third-party cookies: %s</small>", cell(p.String()), p.Engine, p.ThirdPartyCookies)
}

// verdictText is a run's verdict, harness errors first.
func verdictText(r *Run) string {
	if r.Browser.Harness != nil || r.SDK.Harness != nil {
		return "**harness error**"
	}
	v := r.Verdict.String()
	if r.Retried {
		v += " (run twice: a delay differed the first time)"
	}
	if !r.Verdict.Pass() {
		v = "**" + v + "**"
	}
	return v
}

// verdictCell is a run's verdict in the case table; nil means not run.
func verdictCell(r *Run) string {
	if r == nil {
		return "–"
	}
	return verdictText(r)
}

// summarize renders an outcome compactly for a table cell.
func summarize(c *Case, o Outcome) string {
	if o.Harness != nil {
		return "harness error: " + cell(o.Harness.Error())
	}
	var parts []string
	if o.Threw != "" {
		parts = append(parts, "throws "+cell(o.Threw))
	}
	var evs []string
	for _, e := range o.Events {
		evs = append(evs, shortEvent(c, e))
	}
	if o.Threw == "" {
		if len(evs) == 0 {
			evs = append(evs, "no events")
		}
		parts = append(parts, strings.Join(evs, ", ")+"; end "+stateName(o.State))
	}
	if len(o.Requests) == 0 {
		parts = append(parts, "no request")
	} else {
		reqs := make([]string, len(o.Requests))
		for i, r := range o.Requests {
			reqs[i] = "`" + strings.ReplaceAll(r, "|", "¦") + "`"
		}
		parts = append(parts, "req: "+strings.Join(reqs, " "))
	}
	if len(o.Gaps) > 0 {
		var g []string
		for _, d := range o.Gaps {
			g = append(g, fmt.Sprint(d.Round(100*time.Millisecond).Milliseconds()))
		}
		parts = append(parts, "gaps ≈ "+strings.Join(g, ", ")+" ms")
	}
	if c.Fetch != nil && len(o.Fetches) > 0 {
		parts = append(parts, "fetch: "+cell(strings.Join(o.Fetches, "; ")))
	}
	if len(o.Jar) > 0 {
		parts = append(parts, "jar: "+cell(strings.Join(o.Jar, ", ")))
	}
	return strings.Join(parts, "<br>")
}

func shortEvent(c *Case, e EventRec) string {
	switch e.Kind {
	case "open":
		if e.RS != 1 {
			return fmt.Sprintf("open(rs=%d)", e.RS)
		}
		return "open"
	case "error":
		switch e.RS {
		case 0:
			return "err→C"
		case 2:
			return "err→X"
		}
		return fmt.Sprintf("err(rs=%d)", e.RS)
	}
	s := "msg " + cell(fmt.Sprintf("%q", e.Data))
	if e.Type != "message" {
		s = e.Type + " " + s[len("msg "):]
	}
	if e.ID != "" {
		s += " id=" + cell(fmt.Sprintf("%q", e.ID))
	}
	if !strings.HasPrefix(c.URL, e.Origin) {
		s += " from " + cell(e.Origin)
	}
	return s
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "<", "&lt;")
	return s
}

// mdEscape escapes text for a Markdown list item.
func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "<", "&lt;")
	return strings.ReplaceAll(s, "\n", " ")
}

// refererSummary lists the distinct Referer values one side sent on
// same-origin (or cross-origin) requests, with counts.
func refererSummary(runs []*Run, sameOrigin, browserSide bool) string {
	counts := map[string]int{}
	var order []string
	for _, r := range runs {
		o := r.SDK
		if browserSide {
			o = r.Browser
		}
		log := o.Requests
		for i, ref := range o.Referers {
			if i >= len(log) {
				break
			}
			isSame := !strings.Contains(log[i], " Origin=") // no Origin: a same-origin request
			if isSame != sameOrigin {
				continue
			}
			if ref == "" {
				ref = "-"
			}
			if counts[ref] == 0 {
				order = append(order, ref)
			}
			counts[ref]++
		}
	}
	if len(order) == 0 {
		return "no such request"
	}
	var parts []string
	for _, ref := range order {
		parts = append(parts, fmt.Sprintf("`%s` ×%d", ref, counts[ref]))
	}
	return strings.Join(parts, ", ")
}
