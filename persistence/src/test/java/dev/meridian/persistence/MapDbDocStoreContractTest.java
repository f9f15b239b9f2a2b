package dev.meridian.persistence;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class MapDbDocStoreContractTest extends DocStoreContract {
  @TempDir Path tmp;

  @Override
  DocStore newStore() throws Exception {
    return MapDbDocStore.open(StoreOptions.in(tmp.resolve("store")).build());
  }
}
