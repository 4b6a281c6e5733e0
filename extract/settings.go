package extract

import (
	"fmt"
	"strconv"
	"time"
)

// Settings holds an instance's resolved settings: strings, bools, ints,
// floats, durations and []string as decoded and defaulted by the config
// loader. Secret values arrive already resolved from env or file.
type Settings map[string]any

// String returns the setting as a string ("" when absent).
func (s Settings) String(name string) string {
	switch v := s[name].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// Bool returns the setting as a bool (false when absent).
func (s Settings) Bool(name string) bool {
	switch v := s[name].(type) {
	case bool:
		return v
	case string:
		b, _ := strconv.ParseBool(v)
		return b
	}
	return false
}

// Int returns the setting as an int (0 when absent).
func (s Settings) Int(name string) int {
	switch v := s[name].(type) {
	case int:
		return v
	case int64:
		return int(v)
	case float64:
		return int(v)
	case string:
		n, _ := strconv.Atoi(v)
		return n
	}
	return 0
}

// Float returns the setting as a float64 (0 when absent).
func (s Settings) Float(name string) float64 {
	switch v := s[name].(type) {
	case float64:
		return v
	case int:
		return float64(v)
	case string:
		f, _ := strconv.ParseFloat(v, 64)
		return f
	}
	return 0
}

// Duration returns the setting as a duration (0 when absent).
func (s Settings) Duration(name string) time.Duration {
	switch v := s[name].(type) {
	case time.Duration:
		return v
	case string:
		d, _ := time.ParseDuration(v)
		return d
	}
	return 0
}

// List returns the setting as a list of strings.
func (s Settings) List(name string) []string {
	switch v := s[name].(type) {
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}
