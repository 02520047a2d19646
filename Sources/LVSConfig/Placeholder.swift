enum LVSConfigPlaceholder {}
