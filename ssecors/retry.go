package ssecors

import (
	"errors"
	"math"
	"math/rand/v2"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// RetryPolicy says how long an EventSource waits between connection
// attempts, and when it gives up. Give it with [WithRetry].
//
// The zero RetryPolicy is the browser's behaviour, and the default: after a
// network error or the end of a stream, wait the reconnection time R (3 s,
// or the last "retry:" the server sent) and try again, for ever; fail the
// connection for good on any status other than 200. Every field goes beyond
// the browser, which the spec allows ("optionally, wait some more"): a wait
// is never shorter than R.
//
// After n consecutive failed attempts the wait is R × Multiplier^(n-1),
// capped at MaxDelay but never below R, then lengthened by a random
// fraction of up to Jitter of itself. A connection that delivers an event,
// or stays open for ResetAfter, clears the count, so growth and limits
// start again: MaxAttempts counts consecutive attempts that failed
// without delivering anything.
type RetryPolicy struct {
	// InitialDelay is the reconnection time R until the server sends
	// "retry:". Zero selects the browser's default: 3 s, as Chromium and
	// WebKit, or 5 s with a Firefox [WithBrowser] profile (Firefox also
	// raises a "retry:" below 500 ms to 500 ms); for a near-immediate
	// first retry use a small positive
	// duration. After an attempt that delivered no event, ssecors waits at
	// least 100 ms whatever R is, so that a server answering "retry: 0"
	// and closing at once cannot make it spin.
	InitialDelay time.Duration
	// Multiplier grows the wait after each consecutive failure. Zero or 1
	// keeps it constant, as browsers do; it may not be below 1.
	Multiplier float64
	// MaxDelay caps a growing wait (never below R). Zero selects 1 minute.
	MaxDelay time.Duration
	// Jitter, between 0 and 1, lengthens each wait by a random fraction of
	// up to Jitter of itself, so that clients cut off together do not
	// return together. Zero: no randomness, as browsers.
	Jitter float64
	// MaxAttempts ends the source, with an error wrapping
	// [ErrRetriesExhausted] and the last failure, after this many
	// consecutive failed attempts. Zero: no limit.
	MaxAttempts int
	// MaxElapsed ends the source the same way once failures have gone on
	// for this long. Zero: no limit.
	MaxElapsed time.Duration
	// ResetAfter is how long a connection that delivers no event must stay
	// open to count as healthy; a connection that delivers an event is
	// healthy at once. Either clears the failure count. Zero selects 1
	// minute.
	ResetAfter time.Duration
	// RetryServerErrors makes a 5xx or 429 response a reason to reconnect
	// rather than to fail the connection, waiting at least as long as its
	// Retry-After header asks (capped at one hour). Browsers fail the
	// connection on every status but 200.
	RetryServerErrors bool
	// BackOff, when set, replaces Multiplier, MaxDelay and Jitter (which
	// must then be zero): it is called once per Run for a BackOff that
	// gives the wait after each failure (never below R). It is reset when
	// Run starts and after a healthy connection; backoff.Stop ends the
	// source with an error wrapping [ErrRetriesExhausted]. A factory, not
	// a value, because an ExponentialBackOff is not safe to share.
	BackOff func() backoff.BackOff
}

// normalize validates p and fills in the defaults. It returns a reason
// when p is invalid.
func (p RetryPolicy) normalize() (RetryPolicy, string) {
	switch {
	case p.InitialDelay < 0 || p.MaxDelay < 0 || p.MaxElapsed < 0 || p.ResetAfter < 0:
		return p, "durations must not be negative"
	case p.MaxAttempts < 0:
		return p, "MaxAttempts must not be negative"
	case p.Multiplier != 0 && !(p.Multiplier >= 1 && p.Multiplier <= 1e6):
		return p, "Multiplier must be zero, or between 1 and 1e6"
	case !(p.Jitter >= 0 && p.Jitter <= 1):
		return p, "Jitter must be between 0 and 1"
	case p.BackOff != nil && (p.Multiplier > 1 || p.MaxDelay != 0 || p.Jitter != 0):
		return p, "BackOff replaces Multiplier, MaxDelay and Jitter: leave them zero"
	}
	if p.InitialDelay == 0 {
		p.InitialDelay = defaultReconnectionTime
	}
	if p.Multiplier == 0 {
		p.Multiplier = 1
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = defaultMaxDelay
	}
	if p.ResetAfter == 0 {
		p.ResetAfter = defaultResetAfter
	}
	return p, ""
}

// fatal reports whether err fails the connection for good, as the
// browser fails it, rather than reestablishing it.
func (c *config) fatal(err error) bool {
	var (
		re *ResponseError
		be *BlockedError
		cf *ConfigError
	)
	switch {
	case errors.As(err, &re):
		return !(c.retry.RetryServerErrors && retryableStatus(re.StatusCode))
	case c.rules.RedirectLoopFails && errors.Is(err, errTooManyRedirects):
		// Firefox and WebKit close the source; Chromium reconnects.
		return true
	case errors.As(err, &be), errors.As(err, &cf):
		return true
	case errors.Is(err, ErrEventTooLarge):
		return true
	}
	return false
}

// retryableStatus reports the statuses RetryServerErrors retries.
func retryableStatus(code int) bool {
	return code == 429 || code >= 500 && code <= 599
}

// healthy records a connection that stayed open long enough: the growth
// and the retry limits start again.
func (e *engine) healthy() {
	e.failures = 0
	if e.bo != nil {
		e.bo.Reset()
	}
}

// nextDelay returns how long to wait before the next attempt after err, or
// an error wrapping ErrRetriesExhausted when a limit is reached.
//
// The wait is the reconnection time R (browser behaviour), grown by the
// policy, lengthened by a Retry-After the server sent with a retried
// status, and to minReconnectDelay after an attempt that delivered
// nothing. It is never shorter than R.
func (e *engine) nextDelay(err error, delivered bool) (time.Duration, error) {
	p := &e.es.cfg.retry
	now := time.Now()
	e.failures++
	if e.failures == 1 {
		e.streakStart = now
	}
	exhausted := func(why string) error {
		return &retriesError{attempts: e.failures, why: why, last: err}
	}
	if p.MaxAttempts > 0 && e.failures >= p.MaxAttempts {
		return 0, exhausted("attempt limit")
	}
	if p.MaxElapsed > 0 && now.Sub(e.streakStart) >= p.MaxElapsed {
		return 0, exhausted("time limit")
	}
	d := e.reconnect
	switch {
	case e.bo != nil:
		b := e.bo.NextBackOff()
		if b == backoff.Stop {
			return 0, exhausted("backoff stopped")
		}
		d = max(d, b)
	case p.Multiplier > 1 && e.failures > 1:
		base := max(d, minReconnectDelay)
		grown := float64(base) * math.Pow(p.Multiplier, float64(e.failures-1))
		d = max(d, time.Duration(min(grown, float64(p.MaxDelay))))
	}
	if p.Jitter > 0 && d > 0 {
		d += time.Duration(rand.Float64() * p.Jitter * float64(d))
	}
	var re *ResponseError
	if errors.As(err, &re) && re.RetryAfter > d {
		d = re.RetryAfter
	}
	if !delivered && d < minReconnectDelay {
		d = minReconnectDelay
	}
	return d, nil
}
