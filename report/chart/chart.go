// Package chart draws the tool's pictures as SVG with gonum.org/v1/plot:
// ROC curves of one or more models with their operating points at fixed
// false-alarm rates (evaluate --roc FILE.svg), and the distribution of a
// model's training scores with its threshold (inspect --plot FILE.svg).
//
// Every string drawn (model names, titles) is written as SVG text, which
// the SVG writer escapes for XML; the output is one well-formed SVG
// document.
package chart

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"detector/evaluate"
)

// Size of the pictures.
const (
	Width  = 6 * vg.Inch
	Height = 4.5 * vg.Inch
)

// Curve is one model's ROC curve.
type Curve struct {
	Name   string // for the legend: the model's algorithm or file
	AUC    float64
	Points []evaluate.ROCPoint
}

// colors for successive curves, distinguishable in print and for most
// colour-blind readers (Okabe and Ito's palette).
var colors = []color.RGBA{
	{0, 114, 178, 255},   // blue
	{213, 94, 0, 255},    // vermillion
	{0, 158, 115, 255},   // bluish green
	{204, 121, 167, 255}, // reddish purple
	{230, 159, 0, 255},   // orange
	{86, 180, 233, 255},  // sky blue
	{0, 0, 0, 255},       // black
}

// WriteROC draws the ROC curves (detection rate against false-alarm rate)
// with each curve's operating points at evaluate.FalseAlarmRates marked,
// the chance diagonal dashed, and a legend naming each curve with its AUC
// and its detection rates at those points ("detects 49%/54%/62%").
func WriteROC(w io.Writer, curves []Curve) error {
	if len(curves) == 0 {
		return fmt.Errorf("no ROC curve to draw")
	}
	p := plot.New()
	p.Title.Text = "ROC curve"
	p.X.Label.Text = "false-alarm rate (normal samples flagged)"
	p.Y.Label.Text = "detection rate (attacks flagged)"
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	p.Legend.Top = false
	p.Legend.Left = false
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(6), vg.Points(6)
	p.Add(plotter.NewGrid())

	chance, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		return err
	}
	chance.Color = color.Gray{Y: 160}
	chance.Dashes = []vg.Length{vg.Points(4), vg.Points(4)}
	p.Add(chance)
	p.Legend.Add("chance", chance)

	for i, c := range curves {
		col := colors[i%len(colors)]
		xy := make(plotter.XYs, len(c.Points))
		for j, pt := range c.Points {
			xy[j] = plotter.XY{X: pt.FalseAlarm, Y: pt.Detection}
		}
		if len(xy) == 0 {
			continue
		}
		line, err := plotter.NewLine(xy)
		if err != nil {
			return fmt.Errorf("curve %s: %w", c.Name, err)
		}
		line.Color = col
		line.Width = vg.Points(1.5)
		line.Dashes = dashes(i)
		p.Add(line)

		var ops plotter.XYs
		var drs []string
		for _, fa := range evaluate.FalseAlarmRates {
			dr := evaluate.DRAt(c.Points, fa)
			if math.IsNaN(dr) {
				continue
			}
			ops = append(ops, plotter.XY{X: fa, Y: dr})
			drs = append(drs, fmt.Sprintf("%.0f%%", 100*dr))
		}
		name := fmt.Sprintf("%s: AUC %s", c.Name, fixed(c.AUC))
		if len(ops) == len(evaluate.FalseAlarmRates) {
			name += ", detects " + strings.Join(drs, "/")
		}
		p.Legend.Add(name, line)
		if len(ops) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(ops)
		if err != nil {
			return err
		}
		sc.Color = col
		sc.Shape = draw.CircleGlyph{}
		sc.Radius = vg.Points(3)
		p.Add(sc)
	}
	p.Legend.Add(fmt.Sprintf("operating points at %s false alarms", rateList()), opsLegend{})
	return writeSVG(w, p)
}

// opsLegend is the legend's thumbnail for the operating points: a ring.
type opsLegend struct{}

func (opsLegend) Thumbnail(c *draw.Canvas) {
	pt := vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: (c.Min.Y + c.Max.Y) / 2}
	c.DrawGlyph(draw.GlyphStyle{Color: color.Gray{Y: 60}, Radius: vg.Points(3), Shape: draw.RingGlyph{}}, pt)
}

// rateList writes evaluate.FalseAlarmRates as "1%/5%/10%".
func rateList() string {
	var r []string
	for _, fa := range evaluate.FalseAlarmRates {
		r = append(r, fmt.Sprintf("%.0f%%", 100*fa))
	}
	return strings.Join(r, "/")
}

func dashes(i int) []vg.Length {
	switch i % 3 {
	case 1:
		return []vg.Length{vg.Points(6), vg.Points(2)}
	case 2:
		return []vg.Length{vg.Points(2), vg.Points(2)}
	}
	return nil
}

func fixed(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.3f", v)
}

// WriteScores draws the distribution of training scores as a histogram,
// with the decision threshold as a vertical line; the samples left of it
// are those the model flags.
func WriteScores(w io.Writer, title string, scores []float64, threshold float64) error {
	if len(scores) == 0 {
		return fmt.Errorf("no scores to draw")
	}
	for _, s := range scores {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return fmt.Errorf("score %v cannot be drawn", s)
		}
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "training score (below the threshold: anomalous)"
	p.Y.Label.Text = "training samples"
	p.Add(plotter.NewGrid())
	bins := min(max(int(math.Ceil(2*math.Sqrt(float64(len(scores))))), 10), 60)
	lo, hi := slices.Min(scores), slices.Max(scores)
	lo, hi = min(lo, threshold), max(hi, threshold)
	if hi == lo {
		lo, hi = lo-0.5, hi+0.5
	}
	// The bins cover the threshold too, and it falls on a bin edge, so
	// that no bar holds samples from both of its sides.
	width := (hi - lo) / float64(bins)
	lo = threshold - math.Ceil((threshold-lo)/width)*width
	bins = int(math.Ceil((hi-lo)/width - 1e-9))
	if bins < 1 || lo+float64(bins)*width < hi {
		bins++
	}
	h := &plotter.Histogram{Bins: make([]plotter.HistogramBin, bins), Width: width,
		LineStyle: draw.LineStyle{Width: vg.Points(0.5)}}
	for i := range h.Bins {
		h.Bins[i] = plotter.HistogramBin{Min: lo + float64(i)*width, Max: lo + float64(i+1)*width}
	}
	for _, s := range scores {
		i := min(int((s-lo)/width), bins-1)
		h.Bins[i].Weight++
	}
	h.FillColor = colors[0]
	h.LineStyle.Color = color.White
	p.Add(h)
	below := 0
	for _, s := range scores {
		if s < threshold {
			below++
		}
	}
	p.Legend.Add(fmt.Sprintf("training samples (%d, %d below the threshold)", len(scores), below), h)

	top := 0.0
	for _, b := range h.Bins {
		top = max(top, b.Weight)
	}
	th, err := plotter.NewLine(plotter.XYs{{X: threshold, Y: 0}, {X: threshold, Y: top * 1.05}})
	if err != nil {
		return err
	}
	// Room above the bars for the legend.
	p.Y.Min, p.Y.Max = 0, math.Ceil(top*1.35)
	p.Y.Tick.Marker = countTicks{}
	th.Color = colors[1]
	th.Width = vg.Points(2)
	th.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	p.Add(th)
	p.Legend.Add(fmt.Sprintf("threshold %g", threshold), th)
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs = vg.Points(6)
	return writeSVG(w, p)
}

func writeSVG(w io.Writer, p *plot.Plot) error {
	c := vgsvg.New(Width, Height)
	p.Draw(draw.New(c))
	_, err := c.WriteTo(w)
	return err
}

// countTicks marks a count axis at whole numbers: about five steps of 1,
// 2 or 5 times a power of ten.
type countTicks struct{}

func (countTicks) Ticks(lo, hi float64) []plot.Tick {
	step := 1.0
	for (hi-lo)/step > 6 {
		switch s := step / math.Pow(10, math.Floor(math.Log10(step))); s {
		case 1:
			step *= 2
		case 2:
			step *= 2.5
		default:
			step *= 2
		}
	}
	var t []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		t = append(t, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	return t
}
