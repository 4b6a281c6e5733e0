// Package synth generates one deterministic synthetic organisation that every
// simulated vendor draws from, and answers questions about its ground truth.
//
// In: Params (seed, size, snapshot date, domain). Out: an *Org holding people
// (names, emails and aliases, department, manager tree, employment kind, hire
// and leave dates), service mailboxes that are not people, a catalogue of SaaS
// applications, each person's application assignments, and activity exposed as
// pure functions of (person, application, day) plus an ordered event iterator,
// so a simulator can answer any time window without materialising it.
//
// Everything derives from the seed through math/rand/v2 PCG and a stateless
// hash; nothing reads the clock or depends on map order, so equal Params give
// equal Orgs. Hire and leave dates are spread around Params.Epoch (default:
// Date), so generating the same seed and epoch at successive dates shows one
// organisation evolving: people hired after Date do not exist yet and people
// whose leave date has passed are leavers.
package synth
