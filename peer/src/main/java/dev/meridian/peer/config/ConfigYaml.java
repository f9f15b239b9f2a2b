package dev.meridian.peer.config;

import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/** The SnakeYAML set-up for config files: a safe, strings-only reader and a block-style writer. */
final class ConfigYaml {
  /* Design notes.
   * [1] Reading only composes the node tree (Yaml.compose); no constructor runs, so no object of
   *     any class is built from the text, whatever tags it carries. The SafeConstructor passed in
   *     is belt and braces should anyone call load() on this Yaml.
   * [2] The resolver knows only null: every other plain scalar is a string. That avoids YAML 1.1
   *     surprises (site: no -> false, cluster: 0755 -> octal) and leaves type checks to the
   *     reader, which knows what each key wants.
   */

  private static final int MAX_DEPTH = 10;
  private static final int MAX_ALIASES = 10;

  private ConfigYaml() {}

  /** A new reader (Yaml is not thread-safe). */
  static Yaml reader() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(MAX_ALIASES);
    options.setNestingDepthLimit(MAX_DEPTH);
    options.setAllowRecursiveKeys(false);
    DumperOptions dumper = new DumperOptions();
    return new Yaml(new SafeConstructor(options), new Representer(dumper), dumper, options,
        new NullOnlyResolver());
  }

  /** The map as a block-style YAML document, strings quoted only where needed. */
  static String dump(Map<String, Object> document) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndent(2);
    options.setIndicatorIndent(2);
    options.setIndentWithIndicator(true);
    options.setWidth(Integer.MAX_VALUE);
    return new Yaml(options).dump(document);
  }

  /** Resolves plain {@code ~}, {@code null} and empty scalars to null, everything else to string. */
  private static final class NullOnlyResolver extends Resolver {
    @Override
    protected void addImplicitResolvers() {
      addImplicitResolver(Tag.NULL, Resolver.NULL, "~nN\0", 10);
      addImplicitResolver(Tag.NULL, Resolver.EMPTY, null, 10);
    }
  }
}
