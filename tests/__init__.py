"""postureping's tests: a package, so `from tests.x import y` works however pytest is started."""
