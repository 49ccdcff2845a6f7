module github.com/mtibben/confusables

go 1.23.0

require golang.org/x/text v0.43.0
