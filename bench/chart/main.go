// Command chart draws the results of bench/kv.sh as an SVG bar chart: one
// panel per configuration (-c 50 -P 1, -c 50 -P 16, -c 1000 -P 1), a row
// for throughput and a row for server CPU per request, bars per test (SET,
// GET, INCR) with one colour per server, the median as the bar and the
// min-max of the rounds as a whisker. The SVG is written by hand: no
// dependencies.
//
//	go run ./bench/chart                                   # bench/results/kv-latest.csv -> bench/results/kv.svg
//	go run ./bench/chart -in bench/results/kv-X.csv -out kv.svg
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"html"
	"log"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

type key struct{ test, config, server string }

type series struct{ rps, cpu []float64 }

var colours = map[string]string{
	"kv":      "#1f77b4",
	"redis":   "#d62728",
	"netresp": "#7f7f7f",
}

var spare = []string{"#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"}

func main() {
	in := flag.String("in", "bench/results/kv-latest.csv", "results of bench/kv.sh")
	out := flag.String("out", "bench/results/kv.svg", "SVG to write")
	title := flag.String("title", "", "title (default: from the input's name)")
	flag.Parse()

	f, err := os.Open(*in)
	if err != nil {
		log.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		log.Fatal(err)
	}
	if len(rows) < 2 {
		log.Fatalf("%s: no results", *in)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, h := range []string{"server", "test", "clients", "pipeline", "rps", "cpu_us_per_req"} {
		if _, ok := col[h]; !ok {
			log.Fatalf("%s: no column %q", *in, h)
		}
	}
	data := map[key]*series{}
	var tests, configs, servers []string
	addOnce := func(list *[]string, s string) {
		for _, x := range *list {
			if x == s {
				return
			}
		}
		*list = append(*list, s)
	}
	for _, r := range rows[1:] {
		k := key{r[col["test"]], fmt.Sprintf("-c %s -P %s", r[col["clients"]], r[col["pipeline"]]), r[col["server"]]}
		addOnce(&tests, k.test)
		addOnce(&configs, k.config)
		addOnce(&servers, k.server)
		s := data[k]
		if s == nil {
			s = &series{}
			data[k] = s
		}
		rps, err1 := strconv.ParseFloat(r[col["rps"]], 64)
		cpu, err2 := strconv.ParseFloat(r[col["cpu_us_per_req"]], 64)
		if err1 != nil || err2 != nil {
			log.Fatalf("%s: bad row %v", *in, r)
		}
		s.rps = append(s.rps, rps)
		s.cpu = append(s.cpu, cpu)
	}
	for i, s := range servers {
		if _, ok := colours[s]; !ok {
			colours[s] = spare[i%len(spare)]
		}
	}
	if *title == "" {
		name, _ := filepath.EvalSymlinks(*in)
		*title = "redis-benchmark against kv, redis-server and netresp (" + filepath.Base(name) + ")"
	}
	svg := render(*title, tests, configs, servers, data)
	if err := os.WriteFile(*out, []byte(svg), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote", *out)
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func minmax(v []float64) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

// niceTicks returns the axis maximum and step for values up to max.
func niceTicks(max float64) (top, step float64) {
	if max <= 0 {
		return 1, 0.25
	}
	raw := max / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		step = m * mag
		if step >= raw {
			break
		}
	}
	return math.Ceil(max/step) * step, step
}

func fmtRPS(v float64) string {
	switch {
	case v >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', 2, 64) + "M"
	case v >= 1e3:
		return strconv.FormatFloat(v/1e3, 'f', 0, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

func fmtCPU(v float64) string {
	if v >= 10 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func fmtTick(v, step float64) string {
	if step >= 1000 {
		return fmtRPS(v)
	}
	prec := 0
	if step < 1 {
		prec = int(math.Ceil(-math.Log10(step)))
		if step*math.Pow(10, float64(prec)) != math.Trunc(step*math.Pow(10, float64(prec))) {
			prec++
		}
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

func render(title string, tests, configs, servers []string, data map[key]*series) string {
	const (
		panelW  = 330
		panelH  = 230
		left    = 70 // room for the y axis labels
		right   = 20
		top     = 100
		gapY    = 70
		bottom  = 60
		groupGp = 18
	)
	width := left + len(configs)*(panelW+left) - left + right + 10
	height := top + 2*panelH + gapY + bottom
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="16" font-weight="bold">%s</text>`+"\n", left-50, html.EscapeString(title))

	// Legend.
	lx := left - 50
	for _, s := range servers {
		fmt.Fprintf(&b, `<rect x="%d" y="36" width="14" height="14" fill="%s"/><text x="%d" y="48" font-size="13">%s</text>`+"\n", lx, colours[s], lx+19, html.EscapeString(s))
		lx += 40 + 9*len(s)
	}
	fmt.Fprintf(&b, `<text x="%d" y="48" font-size="12" fill="#555">bar: median of the rounds; whisker: min-max</text>`+"\n", lx+10)

	metrics := []struct {
		label string
		get   func(*series) []float64
		fmtV  func(float64) string
	}{
		{"throughput, requests/s (higher is better)", func(s *series) []float64 { return s.rps }, fmtRPS},
		{"server CPU per request, µs (lower is better)", func(s *series) []float64 { return s.cpu }, fmtCPU},
	}
	for mi, m := range metrics {
		y0 := top + mi*(panelH+gapY) // top of the panel row
		for ci, cfg := range configs {
			x0 := left + ci*(panelW+left)
			// Scale: the largest whisker in this panel.
			maxV := 0.0
			for _, t := range tests {
				for _, s := range servers {
					if d := data[key{t, cfg, s}]; d != nil {
						_, hi := minmax(m.get(d))
						maxV = math.Max(maxV, hi)
					}
				}
			}
			axTop, step := niceTicks(maxV * 1.2)
			yOf := func(v float64) float64 { return float64(y0+panelH) - v/axTop*float64(panelH) }
			// Grid and y labels.
			for v := 0.0; v <= axTop+step/2; v += step {
				y := yOf(v)
				fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", x0, y, x0+panelW, y)
				fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="11" text-anchor="end" fill="#333">%s</text>`+"\n", x0-6, y+4, fmtTick(v, step))
			}
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#000"/>`+"\n", x0, y0, x0, y0+panelH)
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#000"/>`+"\n", x0, y0+panelH, x0+panelW, y0+panelH)
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" font-weight="bold">%s</text>`+"\n", x0, y0-22, html.EscapeString(cfg))
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#333">%s</text>`+"\n", x0, y0-8, html.EscapeString(m.label))
			// Bars.
			groupW := float64(panelW-groupGp*(len(tests)+1)) / float64(len(tests))
			barW := groupW / float64(len(servers))
			for ti, t := range tests {
				gx := float64(x0+groupGp) + float64(ti)*(groupW+groupGp)
				fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="12" text-anchor="middle">%s</text>`+"\n", gx+groupW/2, y0+panelH+16, html.EscapeString(t))
				for si, s := range servers {
					d := data[key{t, cfg, s}]
					if d == nil {
						continue
					}
					v := m.get(d)
					med := median(v)
					lo, hi := minmax(v)
					bx := gx + float64(si)*barW
					fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s %s: %s (min %s, max %s)</title></rect>`+"\n",
						bx+1, yOf(med), barW-2, float64(y0+panelH)-yOf(med), colours[s],
						html.EscapeString(s), html.EscapeString(t), html.EscapeString(cfg), m.fmtV(med), m.fmtV(lo), m.fmtV(hi))
					cx := bx + barW/2
					if len(v) > 1 {
						fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#000" stroke-width="1"/>`+"\n", cx, yOf(lo), cx, yOf(hi))
						fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#000"/><line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#000"/>`+"\n",
							cx-3, yOf(lo), cx+3, yOf(lo), cx-3, yOf(hi), cx+3, yOf(hi))
					}
					// The value, written upwards inside the bar's column
					// above the whisker.
					ty := math.Min(yOf(hi), yOf(med)) - 4
					fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="start" transform="rotate(-90 %.1f %.1f)" fill="#222">%s</text>`+"\n",
						cx+3.5, ty, cx+3.5, ty, m.fmtV(med))
				}
			}
		}
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#555">server pinned to CPU 0, redis-benchmark to CPU 1 (taskset); -r 100000; CPU = utime+stime from /proc/PID/stat over the run / requests</text>`+"\n", left-50, height-18)
	b.WriteString("</svg>\n")
	return b.String()
}
