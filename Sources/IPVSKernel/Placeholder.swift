enum IPVSKernelPlaceholder {}
