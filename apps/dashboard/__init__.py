"""The admin as the product: the dashboard index, the calendar view and the grouping of the menu."""
