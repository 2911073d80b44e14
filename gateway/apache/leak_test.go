package apache_test

import (
	"testing"

	"github.com/gwtop/gwtop/internal/leaktest"
)

// TestMain fails the package's tests when a goroutine outlives them.
func TestMain(m *testing.M) { leaktest.Main(m) }
