package ssecors

import (
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// NewBackoff returns the backoff [WithBackoff] uses by default: exponential
// from 1 s with factor 2, capped at 1 minute per wait, ±50% jitter, and no
// elapsed-time limit. Adjust the returned value in the factory given to
// WithBackoff to change it.
func NewBackoff() *backoff.ExponentialBackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = time.Second
	b.Multiplier = 2
	b.RandomizationFactor = 0.5
	b.MaxInterval = time.Minute
	b.MaxElapsedTime = 0 // never stop on elapsed time: see WithRetryLimit
	b.Reset()
	return b
}

// fatal reports whether err fails the connection for good, as a browser
// fails it, rather than reestablishing it.
func fatal(err error, retryServer bool) bool {
	var (
		re *ResponseError
		ce *CORSError
		be *BlockedError
		cf *ConfigError
	)
	switch {
	case errors.As(err, &re):
		return !(retryServer && retryableStatus(re.StatusCode))
	case errors.As(err, &ce), errors.As(err, &be), errors.As(err, &cf):
		return true
	case errors.Is(err, ErrEventTooLarge):
		return true
	}
	return false
}

// retryableStatus reports the statuses WithRetryServerErrors retries.
func retryableStatus(code int) bool {
	return code == 429 || code >= 500 && code <= 599
}

// healthy records a connection that stayed open long enough: the backoff
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
// The wait is the reconnection time R (browser behaviour), lengthened by
// the backoff when there is one, by a Retry-After the server sent with a
// retried status, and to MinReconnectDelay after an attempt that delivered
// nothing. It is never shorter than R.
func (e *engine) nextDelay(err error, delivered bool) (time.Duration, error) {
	cfg := &e.es.cfg
	now := time.Now()
	e.failures++
	if e.failures == 1 {
		e.streakStart = now
	}
	exhausted := func(why string) error {
		return fmt.Errorf("%w after %d attempts (%s): %w", ErrRetriesExhausted, e.failures, why, err)
	}
	if cfg.maxAttempts > 0 && e.failures >= cfg.maxAttempts {
		return 0, exhausted("attempt limit")
	}
	if cfg.maxElapsed > 0 && now.Sub(e.streakStart) >= cfg.maxElapsed {
		return 0, exhausted("time limit")
	}
	d := e.reconnect
	if e.bo != nil {
		b := e.bo.NextBackOff()
		if b == backoff.Stop {
			return 0, exhausted("backoff stopped")
		}
		if b > d {
			d = b
		}
	}
	var re *ResponseError
	if errors.As(err, &re) && re.RetryAfter > d {
		d = re.RetryAfter
	}
	if !delivered && d < MinReconnectDelay {
		d = MinReconnectDelay
	}
	return d, nil
}
