package main

import (
	"strconv"

	legion "github.com/legion-registry/legion-go"
)

// chart is a horizontal bar chart laid out on the server, for the SVG in
// overview.html: no script, nothing to fetch, readable without CSS.
type chart struct {
	Width, Height int
	PlotBottom    int // where the grid lines end, above the axis labels
	LabelWidth    int // left column, the package names
	Bars          []bar
	Ticks         []tick
}

type bar struct {
	Name      string
	Downloads int64
	Y, W      int // top edge and length of the bar, in SVG units
	TextY     int // baseline of the labels
}

type tick struct {
	X     int
	Label string
}

const (
	chartWidth  = 1060
	labelWidth  = 200
	valueWidth  = 80 // right margin for the value label
	barHeight   = 22
	barGap      = 8
	axisHeight  = 22
	plotPadding = 4
)

func barChart(ps []legion.Package) chart {
	c := chart{Width: chartWidth, LabelWidth: labelWidth}
	plot := chartWidth - labelWidth - valueWidth
	var most int64 = 1
	for _, p := range ps {
		most = max(most, p.Downloads)
	}
	scale := niceCeil(most)
	for i, p := range ps {
		y := plotPadding + i*(barHeight+barGap)
		w := int(float64(plot) * float64(p.Downloads) / float64(scale))
		c.Bars = append(c.Bars, bar{Name: p.Name, Downloads: p.Downloads, Y: y, W: max(w, 1), TextY: y + barHeight/2 + 5})
	}
	c.PlotBottom = plotPadding + len(ps)*(barHeight+barGap)
	c.Height = c.PlotBottom + axisHeight
	for i := 0; i <= 4; i++ {
		c.Ticks = append(c.Ticks, tick{X: labelWidth + plot*i/4, Label: short(scale * int64(i) / 4)})
	}
	return c
}

// niceCeil rounds n up to 1, 2 or 5 times a power of ten, so that the
// axis reads in round numbers.
func niceCeil(n int64) int64 {
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if m*p >= n {
				return m * p
			}
		}
	}
}

// short writes 1500 as 1.5k and 2000000 as 2M.
func short(n int64) string {
	switch {
	case n >= 1_000_000:
		return trim(float64(n)/1e6) + "M"
	case n >= 1_000:
		return trim(float64(n)/1e3) + "k"
	}
	return group(n)
}

func trim(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}
