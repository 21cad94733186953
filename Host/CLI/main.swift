print("lightning")
