package legion

import (
	"time"

	"github.com/legion-registry/legion-go/internal/hook"
)

func init() {
	hook.WithRegistryClock = withRegistryClock
}

// withRegistryClock is reached through internal/hook: see there.
func withRegistryClock(now func() time.Time, advanceTo func(time.Time)) Option {
	return func(c *config) error {
		if now == nil || advanceTo == nil {
			return &ArgumentError{Arg: "registry clock", Reason: "needs now and advanceTo"}
		}
		c.now, c.advanceTo = now, advanceTo
		return nil
	}
}
