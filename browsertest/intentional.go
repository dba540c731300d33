package browsertest

// Intentional is a documented, deliberate difference between Chromium and
// ssecors. A case that names it (Case.Diff) passes when the two sides
// differ only in the listed fields.
type Intentional struct {
	ID     string
	Fields []string
	// Chromium and SSECORS say what each side does; Reason why ssecors
	// does not copy the browser.
	Chromium, SSECORS, Reason string
}

// Intentionals is the table of intentional differences, in report order.
var Intentionals = []Intentional{
	{
		ID:       "sniff",
		Fields:   []string{FieldEvents, FieldState},
		Chromium: "a 200 with text/plain or no Content-Type on a stream that stays open fires nothing: the source stays CONNECTING while Chromium MIME-sniffs (up to 1024 bytes or the end of the body) before failing",
		SSECORS:  "fails the connection at once: one error event, CLOSED",
		Reason:   "sniffing can only end in failure for an EventSource (the sniffed type is never text/event-stream), so waiting only delays the same result; the error names the Content-Type",
	},
	{
		ID:       "scheme",
		Fields:   []string{FieldThrew, FieldEvents, FieldState},
		Chromium: "new EventSource(\"ftp:...\") (any non-HTTP(S) scheme) creates the object, then fires error with readyState CLOSED; no request",
		SSECORS:  "ssecors.New returns a *ConfigError: no source, no request",
		Reason:   "a Go caller gets the problem where it made it, as a typed error, rather than as an asynchronous event; the end state (never opens, no request) is the same",
	},
}

func intentionalByID(id string) (Intentional, bool) {
	for _, d := range Intentionals {
		if d.ID == id {
			return d, true
		}
	}
	return Intentional{}, false
}
