package main

var listCommands = []*command{}
