package sample

// FromSecondFile is in a second file: it counts too. +1
func FromSecondFile() {}

// Vars in a block: Block counts. +1
var (
	Block  = 1
	block2 = 2
)
