// Package legiontest is an in-memory, faithful fake of the Legion package
// registry, for tests of code that uses the SDK (package legion), in the
// manner of net/http/httptest.
//
//	srv := legiontest.NewServer(t, legiontest.WithSeed(seed))
//	c := srv.Client(legion.WithToken(token))
//	pv, err := c.Publish(ctx, legion.PublishRequest{Name: "legion-mylib", Version: "1.0.0"})
//
// A [Registry] is an http.Handler serving the API below /api/v1 with the
// wire format the SDK decodes: answers are marshalled from the SDK's own
// types (legion.Package, legion.PackageVersion, legion.Token, legion.User,
// legion.Stats, legion.AuditReport…) wherever those encode the wire form,
// and every endpoint is tested through the SDK's client. A [Server] runs one on a local listener and closes it when the
// test ends. Data can be loaded without HTTP ([Registry.Seed],
// [Registry.AddUser], [Registry.AddPackage]…) and inspected the same way
// ([Registry.Package], [Registry.Requests]); [Registry.AddFault] injects
// failures and latency, [Registry.SetRateLimit] answers 429s, and a
// [ManualClock] makes every timestamp and the rate limiter deterministic.
// Registries share nothing, so parallel tests may each have their own.
//
// Passwords are hashed with one round of salted SHA-256 unless
// [WithPasswordIterations] asks for more: a test's passwords protect
// nothing, and a seed of a thousand users then costs milliseconds.
// [Registry.Checkpoint] rolls the data back between subtests; [Record] and
// [NewReplayServer] turn a bot's traffic into fixtures and serve them.
//
// # Behaviour where the reference is silent
//
//   - Timestamps are UTC at millisecond precision, as a JavaScript Date.
//   - Public endpoints accept but do not need a token; a token that is not
//     valid is ignored there. Endpoints marked auth answer 401 without a
//     valid token. Publishing and unpublishing need the publish scope; me
//     and the token listing accept any valid token. A token creates only
//     tokens whose scopes it holds (403 otherwise), and revokes only tokens
//     of its account whose scopes it holds, or itself: a leaked read token
//     cannot revoke CI's publish token.
//   - Sizes: a version's description is at most [MaxDescriptionLen]
//     characters, its license [MaxLicenseLen], its readme [MaxReadmeBytes]
//     bytes, its keywords at most [MaxKeywords] of [MaxKeywordLen]
//     characters each, its dependencies at most [MaxDependencies]; beyond a
//     limit, 400 naming the field. Characters count as JavaScript's length
//     does (UTF-16 code units: an emoji is two). Seeds and snapshots are
//     held to them.
//   - A package's description, license, keywords, readme and dependencies
//     are those of its latest version: the highest release by semver, or
//     the highest prerelease when there is no release.
//   - Versions that differ only in build metadata are the same version.
//   - Unpublishing removes every version and the package's advisories; the
//     name is then free again, with no advisories until new ones are added.
//   - "publish" and "unpublish" are reserved package names (they are
//     routes); GET /packages/publish is 405.
//   - The wire is a JavaScript service's: timestamps as toISOString writes
//     them ("2025-03-04T05:06:07.000Z"), "lastUsedAt": null for a token
//     never used, HEAD on a GET route answered as GET without a body (a HEAD
//     of a package counts no download), and
//     null where a request needs a string, object or array element a 400
//     naming the field.
//   - Lookups of a name that cannot exist answer 404, not 400.
//   - A dependency need not exist in the registry when published.
//   - The listing sorts by downloads by default; every sort breaks ties by
//     name. An empty query parameter (page=) means its default.
//   - Search lower-cases the query and splits it into words; a package
//     matches when every word matches one of its fields, and scores the sum
//     of each word's best field: exact name 100, name prefix 80, name
//     substring 60, exact keyword 40, keyword substring 30, description 20,
//     exact author 10, author substring 5.
//   - The listing's q filter is one case-insensitive substring of the name,
//     description or a keyword.
//   - GET /packages/:name/versions omits readmes; the download endpoint has
//     them. Full version metadata (publish, versions, download) always
//     carries "dependencies", {} when there are none; the versions list
//     inside GET /packages/:name holds only version and publishedAt.
//   - Audit answers "problems" only when there are some.
//   - Tokens minted by signup are named "signup", by login "login", by
//     AddUser "default". Token names are at most 100 characters, with no
//     control characters.
//   - Request bodies are read as JSON whatever the Content-Type; unknown
//     keys are ignored; keys match exactly, as a JavaScript
//     server reads them: {"VERSION":"1.0.1"} carries no version (400
//     "version is required"), and of "password" and "Password" only the
//     first is the password.
//   - The rate limiter is a fixed window per key that opens with the key's
//     first request; rate-limited requests do not count. Faults are tried
//     before the limiter, so a faulted request does not count either.
//   - A client that goes away during a fault's latency is recorded with
//     status 499.
//   - Every answer carries an X-Request-Id.
package legiontest
