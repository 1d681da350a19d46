//go:build goae_poll

package ae

const defaultApiName = "poll"
