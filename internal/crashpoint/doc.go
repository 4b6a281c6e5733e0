// Package crashpoint lets crash tests kill the process at a named point:
// when the environment variable SAASPIPE_CRASHPOINT equals the name passed
// to Hit, the process sends itself SIGKILL there — no deferred cleanup, no
// flushing, exactly what a power cut or the OOM killer leaves behind.
//
// In: the point's name. Out: nothing, or a dead process. Unset in
// production, where Hit is one environment lookup.
package crashpoint
