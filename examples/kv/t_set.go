package main

var setCommands = []*command{}
