// Package legion is the Go SDK for the Legion package registry
// (https://legion-registry.hexabhhexabbh.workers.dev/api/v1).
//
// A [Client] has one typed, context-first method per endpoint of the
// registry's reference; each method's doc comment names its endpoint:
//
//	c, err := legion.NewClient(legion.WithToken(os.Getenv("LEGION_TOKEN")))
//	pv, err := c.Publish(ctx, legion.PublishRequest{Name: "legion-mylib", Version: "1.0.0"})
//	switch {
//	case errors.Is(err, legion.ErrConflict):     // that version is already published
//	case errors.Is(err, legion.ErrRateLimited):  // retries ran out or the server asked for too long a wait
//	}
//
// # Errors
//
// Every error the registry answers is a *[Error] carrying the status, the
// server's message, the method, the URL, the request id, Retry-After and the
// number of attempts made. The sentinels [ErrBadRequest], [ErrUnauthorized],
// [ErrForbidden], [ErrNotFound], [ErrConflict], [ErrRateLimited] and
// [ErrServer] match by status with errors.Is. Arguments that cannot be valid
// fail before any request with an *[ArgumentError] (errors.Is
// [ErrInvalidArgument]); a 2xx body that cannot be decoded is
// [ErrInvalidResponse].
//
// # Retries, timeouts and rate limits
//
// A 429 is retried for every method, honouring Retry-After (seconds or an HTTP
// date) up to the maximum wait, with capped exponential backoff and full jitter
// when the header is absent. When the server asks for longer than the maximum
// wait, or than the context's deadline allows, the call returns
// [ErrRateLimited] at once with RetryAfter set. 5xx answers and transport
// errors are retried only for GET, DELETE and the read-only POST /audit: any
// other POST (publish, signup, token creation…) is never sent twice, except
// after a failure to connect, when nothing reached the server.
//
// Each attempt is bounded by [WithTimeout] (30s by default), from dialling to
// the last byte of the answer. A client remembers, per token, until when the
// registry asked it to wait, and every client derived from it with
// [Client.With] shares that memory and one connection pool: a call made
// before then waits, or fails with [ErrRateLimited] without being sent.
// [WithAttemptHook] sees every attempt (status, request id, duration, the
// wait before the next); [WithLogger] logs them through the call's context.
//
// # Secrets
//
// Tokens and passwords travel in fields of type [Secret] (made with
// [NewSecret]), which prints, formats, logs and encodes to JSON, text and
// gob as "[redacted]", and keeps its value behind a function that printers
// walking values by reflection cannot reach; call Reveal for the value. A Client never prints its token, and no error or log record carries
// it: text from the server is scrubbed of anything token-shaped.
//
// # Downloads
//
// [Client.GetPackage] calls GET /packages/:name, which the registry counts as a
// download. Nothing in this package calls it on the caller's behalf:
// [Client.Resolve] uses the versions endpoint.
package legion
