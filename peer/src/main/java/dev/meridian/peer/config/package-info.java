/**
 * The peer daemon's configuration: {@link dev.meridian.peer.config.PeerConfig} holds every setting
 * with working defaults, {@link dev.meridian.peer.config.ConfigFile} reads a strict YAML file over
 * those defaults, and the CLI overrides the result with flags through {@link
 * dev.meridian.peer.config.PeerConfig.Builder} before {@code build()} checks it all; any problem
 * is one {@link dev.meridian.peer.config.ConfigException} naming the file and key, and {@link
 * dev.meridian.peer.config.PeerConfig#toYaml()} prints the effective configuration back as YAML.
 */
package dev.meridian.peer.config;
