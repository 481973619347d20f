package main

import (
	"strconv"
	"time"
)

// ago says how long before now t was, as people say it: "3 days ago".
func ago(t time.Time) string { return agoFrom(time.Now(), t) }

func agoFrom(now, t time.Time) string {
	d := now.Sub(t)
	if d < 0 {
		return "in the future"
	}
	unit := func(n int64, name string) string {
		if n == 1 {
			return "1 " + name + " ago"
		}
		return strconv.FormatInt(n, 10) + " " + name + "s ago"
	}
	switch day := 24 * time.Hour; {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return unit(int64(d/time.Minute), "minute")
	case d < day:
		return unit(int64(d/time.Hour), "hour")
	case d < 30*day:
		return unit(int64(d/day), "day")
	case d < 365*day:
		return unit(int64(d/(30*day)), "month")
	default:
		return unit(int64(d/(365*day)), "year")
	}
}
