package main

var zsetCommands = []*command{}
