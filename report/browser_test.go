package report

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromium finds Debian's Chromium. Without it the browser test skips on a
// developer's machine and fails in CI, where .ci/run installs it.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "Chromium not found: install the Debian packages chromium and chromium-driver (apt-get install -y chromium chromium-driver)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// TestReportInChromium opens the report of ten thousand accounts from
// file:// in a real headless Chromium: no console error, no request
// leaving the file, every chart drawn with data, search and a click that
// work, and a screenshot kept as an artifact (SAASPIPE_ARTIFACTS).
func TestReportInChromium(t *testing.T) {
	exe := chromium(t)
	dir := sharedFixture(t)
	out := filepath.Join(t.TempDir(), "report.html")
	if err := WriteFile(context.Background(), Options{DataDir: dir}, out); err != nil {
		t.Fatal(err)
	}

	// The flags Chromium needs on a closed network as root (see the
	// machine notes): without the background-networking ones it keeps
	// trying to reach Google.
	alloc, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1440, 1500),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("hide-scrollbars", true))
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()

	var mu sync.Mutex
	var problems []string
	note := func(format string, args ...any) {
		mu.Lock()
		problems = append(problems, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	// The first call starts the browser; it must not carry a timeout,
	// which would stop the browser with it.
	if err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				note("console %s: %s", ev.Type, strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			note("uncaught exception: %s", (&chromedp.ExceptionError{ExceptionDetails: ev.ExceptionDetails}).Error())
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError {
				note("browser log error: %s %s", ev.Entry.Text, ev.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			if u := ev.Request.URL; !strings.HasPrefix(u, "file://") && !strings.HasPrefix(u, "data:") {
				note("request leaving the page: %s", u)
			}
		}
	}); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()

	start := time.Now()
	allDrawn := `document.querySelectorAll('.chart').length > 0 &&
		document.querySelectorAll('.chart[data-rendered]').length === document.querySelectorAll('.chart').length`
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+out)); err != nil {
		t.Fatalf("loading the report: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](allDrawn, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		mu.Lock()
		t.Fatalf("waiting for the charts: %v (problems: %v)", err, problems)
	}
	t.Logf("page with %d accounts drawn in %s", fixtureAccounts+20, time.Since(start).Round(time.Millisecond))

	// Every chart has series with non-zero data, and the page shows no
	// "nothing to draw" placeholder.
	type drawn struct {
		ID     string  `json:"id"`
		Series int     `json:"series"`
		Sum    float64 `json:"sum"`
	}
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]drawn](`Array.from(document.querySelectorAll('.chart')).map(function (el) {
		var c = echarts.getInstanceByDom(el), s = c ? c.getOption().series : [];
		var sum = 0;
		s.forEach(function (x) { (x.data || []).forEach(function (v) { sum += +(v && v.value !== undefined ? v.value : v) || 0; }); });
		return { id: el.id, series: s.length, sum: sum };
	})`))
	if err != nil {
		t.Fatal(err)
	}
	placeholders, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.empty').length`))
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 5 || placeholders != 0 {
		t.Errorf("%d charts, %d empty placeholders; want 5 and 0", len(charts), placeholders)
	}
	for _, c := range charts {
		if c.Series == 0 || c.Sum <= 0 {
			t.Errorf("chart %s drew %d series summing to %v", c.ID, c.Series, c.Sum)
		}
	}
	if kpi, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#kpi-reclaimable .value"))); err != nil || !strings.HasPrefix(kpi, "800") {
		t.Errorf("reclaimable seats card shows %q (%v)", kpi, err)
	}

	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(t.TempDir(), "report.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	if a := os.Getenv("SAASPIPE_ARTIFACTS"); a != "" {
		if err := os.MkdirAll(a, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(a, "report.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
		shot = filepath.Join(a, "report.png")
	}
	t.Logf("screenshot: %s", shot)

	// Search filters the accounts table: person1234's five accounts.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#table-accounts input[type=search]`), "person1234@")); err != nil {
		t.Fatalf("searching accounts: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll('#table-accounts tbody tr').length === 5`,
		chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Fatalf("searching accounts: %v", err)
	}
	count, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#table-accounts .count")))
	if err != nil || count != "1–5 of 5 (filtered from 10,020)" {
		t.Errorf("accounts count after search: %q (%v)", count, err)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#table-accounts tbody tr')).map(function (tr) { return tr.textContent; })`))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if !strings.Contains(r, "person1234@example.com") {
			t.Errorf("a row that does not match the search: %q", r)
		}
	}

	// Clicking an application lists its users: Miro's 400 people.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#table-applications tbody tr`)),
		chromedp.WaitVisible(chromedp.CSS(`#table-app-users .count`))); err != nil {
		t.Fatalf("opening an application: %v", err)
	}
	if count, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#table-app-users .count`))); err != nil || count != "1–25 of 400" {
		t.Errorf("Miro's users: %q (%v)", count, err)
	}

	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
}
