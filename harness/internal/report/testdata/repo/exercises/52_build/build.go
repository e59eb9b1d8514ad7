package build

func Add(a, b int) int {
	return a + c
}

func Sub(a, b int) string {
	return a - b
}
