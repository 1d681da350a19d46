package main

var keyCommands = []*command{}
