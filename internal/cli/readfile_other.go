//go:build !unix

package cli

// openNonBlocking is 0 where there are no FIFOs to open.
const openNonBlocking = 0
