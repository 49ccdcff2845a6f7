package sqlite

import "github.com/acctl/acctl/internal/acct/storetest"

// The fixtures of the store contract (internal/acct/storetest), under the
// names this package's own tests use.
var (
	addFailure     = storetest.AddFailure
	addPoints      = storetest.AddPoints
	bulkUpdate     = storetest.BulkUpdate
	checkConflict  = storetest.CheckConflict
	codeMAC        = storetest.CodeMAC
	checkUseRace   = storetest.CheckUseRace
	failLogin      = storetest.FailLogin
	submitCode     = storetest.SubmitCode
	failAttempt    = storetest.FailAttempt
	get            = storetest.Get
	getCode        = storetest.GetCode
	getSession     = storetest.GetSession
	ids            = storetest.IDs
	insert         = storetest.Insert
	insertCodes    = storetest.InsertCodes
	insertSessions = storetest.InsertSessions
	listAddresses  = storetest.ListAddresses
	listCodes      = storetest.ListCodes
	listEvents     = storetest.ListEvents
	listUsers      = storetest.ListUsers
	newAddress     = storetest.NewAddress
	newCode        = storetest.NewCode
	newOTP         = storetest.NewOTP
	newRec         = storetest.NewRec
	newSession     = storetest.NewSession
	update         = storetest.Update
	useCode        = storetest.UseCode
)
