enum ChildKitTestsPlaceholder {}
