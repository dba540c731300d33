package doctor

// Internals for the tests of package doctor_test.
var (
	LenientPreflight = lenientPreflight
	MaxAgeLine       = maxAgeLine
	ReadableHeaders  = readableHeaders
	FetchSecrets     = fetchSecrets
	WhyPreflight     = whyPreflight
)
