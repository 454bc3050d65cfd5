"""Published CNO instruments, one module and one data file each."""
