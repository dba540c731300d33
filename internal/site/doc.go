// Package site holds the origin and site rules ssecors shares between its
// packages: tuple origins and their serialization (HTML), schemeful sites
// from the public suffix list (as Chromium decides same-site), and the URL
// Standard's host parsing for http(s) (IPv4 forms, punycode).
//
// It performs no I/O. Every function is safe for concurrent use.
package site
