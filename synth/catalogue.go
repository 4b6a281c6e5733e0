package synth

// SignOnMode is how an application federates with the identity provider, in
// Okta's vocabulary.
type SignOnMode string

const (
	SAML2     SignOnMode = "SAML_2_0"
	OIDC      SignOnMode = "OPENID_CONNECT"
	AutoLogin SignOnMode = "AUTO_LOGIN"
	Bookmark  SignOnMode = "BOOKMARK"
)

// App is one SaaS application of the catalogue.
type App struct {
	Index int
	// Key is a stable lowercase identifier simulators derive their ids from.
	Key    string
	Name   string
	Vendor string
	// OktaName is the Okta Integration Network app name ("salesforce",
	// "zoomus"); empty when the app is not federated through the IdP.
	OktaName   string
	SignOnMode SignOnMode
	// MonthlyCost is the list price of one seat per month in USD.
	MonthlyCost float64
	// Licensed apps are sold per seat; simulators that report licensing
	// (seat counts, SKUs) do so only for these.
	Licensed bool
	// Everyone apps are assigned to every person (employees only when
	// EmployeesOnly); otherwise Departments decide.
	Everyone      bool
	EmployeesOnly bool
	Departments   []string
	// Usage is the probability that a person uses the app on a day they are
	// active, before per-person variation.
	Usage float64
}

// catalogue is the fixed application list; its order is part of the
// generated truth (app indices), so append only.
var catalogue = []App{
	{Key: "m365", Name: "Microsoft 365", Vendor: "Microsoft", OktaName: "office365", SignOnMode: SAML2, MonthlyCost: 22, Licensed: true, Everyone: true, Usage: 0.85},
	{Key: "slack", Name: "Slack", Vendor: "Slack", OktaName: "slack", SignOnMode: SAML2, MonthlyCost: 12.5, Licensed: true, Everyone: true, Usage: 0.8},
	{Key: "zoom", Name: "Zoom", Vendor: "Zoom", OktaName: "zoomus", SignOnMode: SAML2, MonthlyCost: 15.99, Licensed: true, Everyone: true, Usage: 0.5},
	{Key: "google", Name: "Google Workspace", Vendor: "Google", OktaName: "google", SignOnMode: SAML2, MonthlyCost: 14.4, Licensed: true, Departments: []string{"Engineering", "Marketing", "Design", "Product"}, Usage: 0.6},
	{Key: "salesforce", Name: "Salesforce Sales Cloud", Vendor: "Salesforce", OktaName: "salesforce", SignOnMode: SAML2, MonthlyCost: 165, Licensed: true, Departments: []string{"Sales", "Customer Success", "Marketing"}, Usage: 0.7},
	{Key: "github", Name: "GitHub Enterprise Cloud", Vendor: "GitHub", OktaName: "github", SignOnMode: SAML2, MonthlyCost: 21, Licensed: true, Departments: []string{"Engineering"}, Usage: 0.75},
	{Key: "atlassian", Name: "Atlassian Cloud (Jira, Confluence)", Vendor: "Atlassian", OktaName: "atlassian", SignOnMode: SAML2, MonthlyCost: 16, Licensed: true, Departments: []string{"Engineering", "Product", "Design", "IT", "Customer Success"}, Usage: 0.6},
	{Key: "box", Name: "Box", Vendor: "Box", OktaName: "box", SignOnMode: SAML2, MonthlyCost: 20, Licensed: true, Departments: []string{"Legal", "Finance", "Operations"}, Usage: 0.3},
	{Key: "dropbox", Name: "Dropbox Business", Vendor: "Dropbox", OktaName: "dropbox_for_business", SignOnMode: SAML2, MonthlyCost: 18, Licensed: true, Departments: []string{"Marketing", "Design"}, Usage: 0.3},
	{Key: "adobe", Name: "Adobe Creative Cloud", Vendor: "Adobe", OktaName: "adobe_creative_cloud", SignOnMode: SAML2, MonthlyCost: 89.99, Licensed: true, Departments: []string{"Design", "Marketing"}, Usage: 0.4},
	{Key: "workday", Name: "Workday", Vendor: "Workday", OktaName: "workday", SignOnMode: SAML2, MonthlyCost: 0, Everyone: true, EmployeesOnly: true, Usage: 0.05},
	{Key: "zendesk", Name: "Zendesk Suite", Vendor: "Zendesk", OktaName: "zendesk", SignOnMode: SAML2, MonthlyCost: 89, Licensed: true, Departments: []string{"Customer Success"}, Usage: 0.8},
	{Key: "hubspot", Name: "HubSpot Marketing Hub", Vendor: "HubSpot", OktaName: "hubspot", SignOnMode: SAML2, MonthlyCost: 50, Licensed: true, Departments: []string{"Marketing"}, Usage: 0.6},
	{Key: "docusign", Name: "DocuSign eSignature", Vendor: "DocuSign", OktaName: "docusign", SignOnMode: SAML2, MonthlyCost: 40, Licensed: true, Departments: []string{"Legal", "Sales", "Finance"}, Usage: 0.15},
	{Key: "figma", Name: "Figma", Vendor: "Figma", OktaName: "figma", SignOnMode: OIDC, MonthlyCost: 45, Licensed: true, Departments: []string{"Design", "Product"}, Usage: 0.6},
	{Key: "notion", Name: "Notion", Vendor: "Notion Labs", OktaName: "notion", SignOnMode: OIDC, MonthlyCost: 10, Licensed: true, Departments: []string{"Product", "Engineering"}, Usage: 0.35},
	{Key: "asana", Name: "Asana", Vendor: "Asana", OktaName: "asana", SignOnMode: SAML2, MonthlyCost: 10.99, Licensed: true, Departments: []string{"Marketing", "Operations"}, Usage: 0.4},
	{Key: "tableau", Name: "Tableau Cloud", Vendor: "Salesforce", OktaName: "tableau_online", SignOnMode: SAML2, MonthlyCost: 75, Licensed: true, Departments: []string{"Finance"}, Usage: 0.25},
	{Key: "expensify", Name: "Expensify", Vendor: "Expensify", OktaName: "expensify", SignOnMode: AutoLogin, MonthlyCost: 9, Licensed: true, Departments: []string{"Sales", "Finance", "Executive"}, Usage: 0.1},
	{Key: "servicenow", Name: "ServiceNow ITSM", Vendor: "ServiceNow", OktaName: "servicenow_app2", SignOnMode: SAML2, MonthlyCost: 100, Licensed: true, Departments: []string{"IT"}, Usage: 0.8},
	{Key: "aws", Name: "AWS IAM Identity Center", Vendor: "Amazon Web Services", OktaName: "amazon_aws_sso", SignOnMode: SAML2, MonthlyCost: 0, Departments: []string{"Engineering", "IT"}, Usage: 0.4},
	{Key: "datadog", Name: "Datadog", Vendor: "Datadog", OktaName: "datadog", SignOnMode: SAML2, MonthlyCost: 23, Licensed: true, Departments: []string{"Engineering"}, Usage: 0.3},
	{Key: "miro", Name: "Miro", Vendor: "Miro", OktaName: "miro", SignOnMode: OIDC, MonthlyCost: 10, Licensed: true, Departments: []string{"Product", "Design"}, Usage: 0.25},
	{Key: "salesnav", Name: "LinkedIn Sales Navigator", Vendor: "LinkedIn", OktaName: "linkedin_sales_navigator", SignOnMode: AutoLogin, MonthlyCost: 99.99, Licensed: true, Departments: []string{"Sales"}, Usage: 0.3},
	{Key: "intranet", Name: "Company Intranet", Vendor: "Acme", OktaName: "bookmark", SignOnMode: Bookmark, MonthlyCost: 0, Everyone: true, Usage: 0.2},
	{Key: "loom", Name: "Loom", Vendor: "Atlassian", OktaName: "", SignOnMode: "", MonthlyCost: 12.5, Licensed: true, Departments: []string{"Product", "Customer Success"}, Usage: 0.2},
}

// department is one department with its share of headcount and its titles
// (the first title is the head's).
type department struct {
	Name       string
	Weight     int
	CostCenter string
	Titles     []string
}

var departments = []department{
	{"Executive", 1, "CC-1000", []string{"Chief Executive Officer", "Chief of Staff", "Executive Assistant"}},
	{"Engineering", 28, "CC-2100", []string{"VP Engineering", "Engineering Manager", "Staff Engineer", "Senior Software Engineer", "Software Engineer", "Site Reliability Engineer", "QA Engineer"}},
	{"Product", 6, "CC-2200", []string{"VP Product", "Group Product Manager", "Senior Product Manager", "Product Manager"}},
	{"Design", 4, "CC-2300", []string{"Head of Design", "Design Manager", "Senior Product Designer", "Product Designer", "UX Researcher"}},
	{"Sales", 16, "CC-3100", []string{"VP Sales", "Regional Sales Director", "Account Executive", "Sales Development Representative", "Sales Engineer"}},
	{"Customer Success", 10, "CC-3200", []string{"VP Customer Success", "Customer Success Manager", "Support Engineer", "Support Specialist"}},
	{"Marketing", 8, "CC-3300", []string{"CMO", "Marketing Manager", "Content Strategist", "Growth Marketer", "Marketing Coordinator"}},
	{"Finance", 5, "CC-4100", []string{"CFO", "Controller", "Financial Analyst", "Accountant"}},
	{"HR", 4, "CC-4200", []string{"Chief People Officer", "HR Business Partner", "Recruiter", "People Operations Specialist"}},
	{"Legal", 2, "CC-4300", []string{"General Counsel", "Corporate Counsel", "Paralegal"}},
	{"IT", 5, "CC-4400", []string{"Head of IT", "IT Manager", "Systems Administrator", "IT Support Specialist", "Security Engineer"}},
	{"Operations", 6, "CC-4500", []string{"COO", "Operations Manager", "Business Operations Analyst", "Office Manager"}},
}

// Location is an office.
type Location struct {
	City    string
	Country string // ISO 3166-1 alpha-2
	// Acquired marks the office of the acquired company whose staff keep an
	// address at the acquired domain as an alias.
	Acquired bool
}

var locations = []Location{
	{"New York", "US", false},
	{"San Francisco", "US", false},
	{"Austin", "US", false},
	{"London", "GB", true},
	{"Manchester", "GB", true},
	{"Berlin", "DE", false},
	{"Toronto", "CA", false},
	{"Bangalore", "IN", false},
}

// Apps returns the catalogue.
func (o *Org) Apps() []App { return o.apps }

// Departments returns the department names in catalogue order.
func (o *Org) Departments() []string {
	out := make([]string, len(departments))
	for i, d := range departments {
		out[i] = d.Name
	}
	return out
}

// Locations returns the offices.
func (o *Org) Locations() []Location { return locations }
