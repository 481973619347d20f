// Package hook reaches options of package legion that are not part of its
// API, for the module's own packages only (as grpc-go's internal package
// does): legiontest uses it to make its clients wait on the registry's
// clock. Package legion sets the variables in its init; nothing changes them
// afterwards.
package hook

// WithRegistryClock is a
//
//	func(now func() time.Time, advanceTo func(time.Time)) legion.Option
//
// that makes a client date Retry-After and its rate-limit memory by now, and
// spend each retry or rate-limit wait by calling advanceTo with the wait's
// end instead of sleeping. It is typed any to avoid an import cycle.
var WithRegistryClock any
