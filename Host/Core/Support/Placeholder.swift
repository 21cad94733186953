enum HostCorePlaceholder {}
