package extract

// HTTPSettings are the settings every HTTP connector type accepts besides its
// own. The pipeline reads them to build the instance's HTTP layer.
func HTTPSettings(defaultBaseURL string) []Setting {
	return []Setting{
		{Name: "base_url", Kind: KindURL, Default: defaultBaseURL, Help: "API root; override for vendor regions, sovereign clouds, gateways or the simulated vendor"},
		{Name: "allow_http", Kind: KindBool, Default: false, Help: "accept a plain http:// base_url (loopback simulators, test gateways)"},
		{Name: "requests_per_second", Kind: KindFloat, Default: 0.0, Help: "client-side ceiling on request rate; 0 paces only by the vendor's rate-limit headers"},
		{Name: "max_retries", Kind: KindInt, Default: 5, Help: "retries per request on 429, 5xx and network errors"},
		{Name: "request_timeout", Kind: KindDuration, Default: "60s", Help: "timeout of one HTTP request, body included"},
		{Name: "page_size", Kind: KindInt, Default: 200, Help: "records asked for per page (capped at the vendor's maximum)"},
	}
}
