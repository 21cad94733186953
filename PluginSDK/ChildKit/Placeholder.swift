enum ChildKitPlaceholder {}
