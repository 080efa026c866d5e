"""Import the pieces from their modules; settings name pagination and exceptions directly."""
