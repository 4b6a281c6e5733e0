package report

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strings"
)

//go:embed page.html page.css page.js assets/echarts.min.js
var files embed.FS

var page = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"int":   formatInt,
	"delta": delta,
	"pct":   formatPct,
	"money": formatMoney,
}).ParseFS(files, "page.html"))

// Write builds the report of the latest snapshot in dataDir and writes it
// to outFile.
func Write(ctx context.Context, dataDir, outFile string) error {
	return WriteFile(ctx, Options{DataDir: dataDir}, outFile)
}

// WriteFile builds the report and writes it to outFile through a temporary
// file, so that a reader never sees half a page.
func WriteFile(ctx context.Context, o Options, outFile string) error {
	d, err := Build(ctx, o)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := Render(&buf, d); err != nil {
		return err
	}
	if dir := filepath.Dir(outFile); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", dir, err)
		}
	}
	tmp := outFile + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if err := os.Rename(tmp, outFile); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

// Render writes the page: headline numbers as HTML (readable before any
// script runs), tables and charts drawn by page.js from the embedded JSON.
func Render(w io.Writer, d *Data) error {
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encoding the report data: %w", err)
	}
	// json.Marshal escapes <, > and & as \u00XX, so the data cannot close
	// its script element; the scripts are checked here because they are
	// inlined verbatim.
	lib, _ := files.ReadFile("assets/echarts.min.js")
	js, _ := files.ReadFile("page.js")
	css, _ := files.ReadFile("page.css")
	for name, b := range map[string][]byte{"echarts.min.js": lib, "page.js": js} {
		if bytes.Contains(bytes.ToLower(b), []byte("</script")) {
			return errors.New("report: " + name + " contains </script and cannot be inlined")
		}
	}
	return page.Execute(w, struct {
		*Data
		CSS        template.CSS
		Lib, JS    template.JS
		JSON       template.JS
		SpendShown bool
	}{d, template.CSS(css), template.JS(lib), template.JS(js), template.JS(data), len(d.Summary.Spend) > 0})
}

// formatInt groups thousands with a thin space-free comma, as analysts
// read them in spreadsheets.
func formatInt(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// delta is the change since the previous snapshot, "" when there is none
// or nothing changed.
func delta(cur, prev int64, hasPrev bool) string {
	if !hasPrev || cur == prev {
		return ""
	}
	if cur > prev {
		return "+" + formatInt(cur-prev)
	}
	return "−" + formatInt(prev-cur)
}

func formatPct(p *float64) string {
	if p == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%", *p)
}

func formatMoney(v float64, currency string) string {
	whole := int64(v + 0.5)
	if currency == "" {
		return formatInt(whole)
	}
	return currency + " " + formatInt(whole)
}
