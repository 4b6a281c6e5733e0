package msgraph

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

func readAll(resp *http.Response) ([]byte, error) { return io.ReadAll(resp.Body) }

// utf8BOM starts Graph's report CSVs.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// ReportRow is one CSV row as a JSON object whose keys are the header's
// column names in header order, and the row's value of key.
type ReportRow struct {
	JSON json.RawMessage
	get  map[string]string
}

// Get returns the row's value in column name ("" when absent).
func (r ReportRow) Get(name string) string { return r.get[name] }

// ReportRows parses a Graph report CSV: a header line (after an optional
// UTF-8 byte order mark), then rows of the same width. Every column named in
// required must be present. An empty report (header only) has no rows.
func ReportRows(data []byte, required ...string) ([]ReportRow, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = false
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("parsing report: empty body, no header line")
	}
	if err != nil {
		return nil, fmt.Errorf("parsing report header: %w", err)
	}
	cols := map[string]bool{}
	for i, h := range header {
		header[i] = strings.TrimSpace(h)
		if header[i] == "" || cols[header[i]] {
			return nil, fmt.Errorf("parsing report header: column %d is empty or repeated", i+1)
		}
		cols[header[i]] = true
	}
	for _, name := range required {
		if !cols[name] {
			return nil, fmt.Errorf("parsing report header: no %q column", name)
		}
	}
	var rows []ReportRow
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parsing report row %d: %w", line, err)
		}
		var b bytes.Buffer
		get := make(map[string]string, len(header))
		b.WriteByte('{')
		for i, name := range header {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(name)
			v, _ := json.Marshal(rec[i])
			b.Write(k)
			b.WriteByte(':')
			b.Write(v)
			get[name] = rec[i]
		}
		b.WriteByte('}')
		rows = append(rows, ReportRow{JSON: b.Bytes(), get: get})
	}
	return rows, nil
}
