package dev.meridian.persistence;

class InMemoryDocStoreTest extends DocStoreContract {
  @Override
  DocStore newStore() {
    return new InMemoryDocStore();
  }
}
